import { isIP } from 'node:net';
import { DeviceLostError, type AdbDevice } from './adbDevice.js';
import { shellQuote } from './shellQuote.js';

/** At most this many hosts are resolved per phone (a run that contacted more keeps the rest unresolved). */
export const MAX_RESOLVED_HOSTS = 64;

/** All hosts together get at most this long (a real phone's ping waits up to -W for each). */
export const RESOLVE_DEADLINE_MS = 20_000;

/** A host name DNS could hold (no shell metacharacters reach the phone's shell anyway: the name is quoted). */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * The addresses the phone's own resolver gives for `hosts`: with the capture answering as a sink,
 * no upstream connection names the server, so the phone is asked, as a person would ask it:
 * `ping -c 1 -W 1 HOST`, whose first line is `PING HOST (ADDRESS) 56(84) bytes of data.` (AOSP's
 * /system/bin/ping is iputils; ping.c prints "PING %s (%s) "). Only that line is read: whether
 * the echo is answered does not matter, and a host that does not resolve is left out. Bounded:
 * at most MAX_RESOLVED_HOSTS hosts, one short command each, RESOLVE_DEADLINE_MS in all.
 */
export async function resolveHostsOnPhone(adb: AdbDevice, hosts: Iterable<string>, options: { timeoutMs?: number; deadlineMs?: number } = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const deadline = Date.now() + (options.deadlineMs ?? RESOLVE_DEADLINE_MS);
  const wanted = [...new Set([...hosts].map((h) => h.toLowerCase()))].filter((h) => !isIP(h) && HOST_NAME.test(h)).slice(0, MAX_RESOLVED_HOSTS);
  for (const host of wanted) {
    if (Date.now() >= deadline) break; // the rest stay unresolved: putting the phone back matters more
    const text = await adb.shell(`ping -c 1 -W 1 ${shellQuote(host)} 2>&1`, { timeoutMs: options.timeoutMs ?? 5000, maxBytes: 4096 }).catch((error: unknown) => {
      if (error instanceof DeviceLostError) throw error;
      return ''; // a timeout or a refused command: this host stays unresolved
    });
    const address = parsePingAddress(text, host);
    if (address) out.set(host, address);
  }
  return out;
}

/** The address in ping's first line for `host`, or undefined. */
export function parsePingAddress(text: string, host: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^PING (\S+) \(([0-9a-fA-F:.]+)\)/.exec(line.trim());
    if (m && m[1]!.toLowerCase() === host.toLowerCase() && isIP(m[2]!)) return m[2]!;
  }
  return undefined;
}
