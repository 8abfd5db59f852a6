import type { PhoneContext } from '../services.js';

/**
 * The CAs one TLS client on the phone trusts, read fresh from the phone's stores for every
 * handshake (so a CA pushed or a tmpfs mounted a moment ago counts): the system store always, the
 * user store only for apps / endpoints that opt in (Android 7+ default: they do not).
 */
export function trustedCAs(ctx: PhoneContext, trustsUserCAs: boolean, pid?: number): string[] {
  // Read by the calling app's process: its mount namespace decides which store it sees.
  const system = ctx.caCertificates('system', pid);
  return trustsUserCAs ? [...system, ...ctx.caCertificates('user', pid)] : [...system];
}
