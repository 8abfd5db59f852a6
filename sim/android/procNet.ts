/**
 * /proc/net/tcp, /proc/net/tcp6 and /proc/net/unix in the kernel's own formats (Linux
 * net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock, net/unix/af_unix.c
 * unix_seq_show), so clients that read them — appium-android-driver's getPotentialWebviewProcs
 * (`cat /proc/net/unix`, fields "Num RefCount Protocol Flags Type St Inode Path", devtools sockets
 * are listening ones: Flags 00010000, St 01) — parse them as on a phone.
 */

/** 127.0.0.1 as the kernel prints it: the address in host (little-endian) byte order. */
const LOOPBACK4 = '0100007F';
const ANY4 = '00000000';

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

export interface TcpListener {
  port: number;
  uid: number;
  inode: number;
  /** Listens on 0.0.0.0 (adbd over TCP) instead of 127.0.0.1. */
  any?: boolean;
}

export function procNetTcp(listeners: TcpListener[]): string {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  return header + listeners.map((l, i) =>
    `${String(i).padStart(4)}: ${l.any ? ANY4 : LOOPBACK4}:${hexPort(l.port)} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 ${String(l.uid).padStart(5)}        0 ${l.inode} 1 0000000000000000 100 0 0 10 0\n`).join('');
}

export function procNetTcp6(listeners: TcpListener[]): string {
  const header = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  // A Java ServerSocket bound to the wildcard (the UiAutomator2 server's NanoHTTPD) is a dual-stack
  // IPv6 socket on ::, so it shows here, not in tcp (unverified against a device dump).
  return header + listeners.map((l, i) =>
    `${String(i).padStart(4)}: ${'0'.repeat(32)}:${hexPort(l.port)} 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 ${String(l.uid).padStart(5)}        0 ${l.inode} 1 0000000000000000 100 0 0 10 0\n`).join('');
}

/** Abstract (@…) and filesystem sockets a stock phone has listening; none is a devtools socket (release apps are not debuggable). */
const SYSTEM_UNIX_SOCKETS = ['/dev/socket/zygote', '/dev/socket/zygote_secondary', '/dev/socket/adbd', '/dev/socket/logd', '/dev/socket/logdr', '/dev/socket/property_service', '/dev/socket/lmkd', '/dev/socket/netd', '/dev/socket/dnsproxyd', '/dev/socket/mdnsd', '@jdwp-control'];

export function procNetUnix(extra: string[] = []): string {
  const header = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
  return header + [...SYSTEM_UNIX_SOCKETS, ...extra].map((path, i) =>
    `0000000000000000: 00000002 00000000 00010000 0001 01 ${20000 + i * 7} ${path}\n`).join('');
}
