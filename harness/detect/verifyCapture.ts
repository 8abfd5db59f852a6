import { readBlindSpots, readFlows } from '../capture/index.js';
import { makeVisitToken } from './canaryToken.js';
import { PhonehomeError } from '../errors.js';
import { delay } from '../device/withTimeout.js';

export interface VerifyCaptureOptions {
  /** Device name for messages. */
  device: string;
  /** The sidecar's capture folder. */
  captureDir: string;
  /** Opens a URL on the phone (a browser session's visit, or an intent). */
  navigate: (url: string) => Promise<unknown>;
  /** Default: https://example.com/phonehome-verify/<token> (HTTPS checks the CA as well as the proxy). */
  url?: (token: string) => string;
  timeoutMs?: number;
}

export interface VerifiedCapture {
  url: string;
  flowId: string;
}

/**
 * The provisioning check: one navigation carrying a fresh token must appear in the capture. When it
 * does not, the message says which step failed: the CA (the phone refused the capture's
 * certificate), the proxy (nothing reached the sidecar), or the navigation itself.
 */
export async function verifyCapture(options: VerifyCaptureOptions): Promise<VerifiedCapture> {
  const token = makeVisitToken();
  const url = (options.url ?? ((t) => `https://example.com/phonehome-verify/${t}`))(token);
  const host = new URL(url).hostname;
  const since = Date.now();
  try {
    await options.navigate(url);
  } catch (error) {
    throw new PhonehomeError(`verification failed on ${options.device}: the check navigation to ${url} failed: ${(error as Error).message}`, { cause: error });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    for await (const flow of readFlows(options.captureDir)) {
      // The navigation itself, on the navigated host: a browser that sends what is typed to a
      // suggestion service carries the token too, but that flow proves nothing about the page load.
      if (flow.host === host && `${flow.path}?${flow.query}`.includes(token)) return { url, flowId: flow.id };
    }
    const rejected = (await readBlindSpots(options.captureDir)).find((b) => b.time >= since && b.host === host && (b.reason === 'tls-rejected' || b.reason === 'tls-handshake-failed'));
    if (rejected) {
      throw new PhonehomeError(`verification failed on ${options.device}: CA step: the phone reached the capture but refused its certificate for ${host} (${rejected.reason}${rejected.detail ? `: ${rejected.detail}` : ''}); the CA is not trusted by the browser`);
    }
    if (Date.now() > deadline) break;
    await delay(200);
  }
  throw new PhonehomeError(`verification failed on ${options.device}: proxy step: the check navigation to ${url} never reached the capture sidecar in ${options.timeoutMs ?? 15_000} ms (is http_proxy set and the adb reverse / proxyHost reachable from the phone?)`);
}
