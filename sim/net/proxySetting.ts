/**
 * `settings global http_proxy` as Android reads it: `host:port`; `:0`, empty or unset means no proxy.
 * Anything else that does not parse is ignored as Android does (no proxy), and the caller logs it.
 */
export interface ProxyAddress {
  host: string;
  port: number;
}

export type ProxySetting = { kind: 'none' } | { kind: 'proxy'; address: ProxyAddress } | { kind: 'invalid'; raw: string };

export function parseHttpProxy(raw: string | undefined): ProxySetting {
  if (raw === undefined) return { kind: 'none' };
  const value = raw.trim();
  if (value === '' || value === 'null' || value === ':0') return { kind: 'none' };
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s/]+):(\d{1,5})$/.exec(value);
  if (!match) return { kind: 'invalid', raw };
  const port = Number(match[2]);
  if (port === 0) return { kind: 'none' };
  if (port > 65535) return { kind: 'invalid', raw };
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  return { kind: 'proxy', address: { host, port } };
}

/** Hosts that mean the phone itself (reached through PhoneContext.connectLocal: listeners, then adb reverses). */
export function isPhoneLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
