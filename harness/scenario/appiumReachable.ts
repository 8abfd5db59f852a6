import { PhonehomeError } from '../errors.js';

/**
 * Checks a devices.json `appiumUrl` before any phone is touched: GET <url>/status must answer.
 * An unreachable Appium is a setup error (exit 2), said in one line with the fix.
 */
export async function checkAppiumReachable(device: string, appiumUrl: string, timeoutMs = 5000): Promise<void> {
  const url = `${appiumUrl.replace(/\/+$/, '')}/status`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? ((error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (error as Error).message);
    throw new PhonehomeError(`device '${device}': Appium at ${appiumUrl} is unreachable (${cause}); start Appium there, or remove 'appiumUrl' from devices.json to let phonehome start its own`);
  }
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) {
    throw new PhonehomeError(`device '${device}': ${url} answered HTTP ${response.status}, not an Appium status; check 'appiumUrl' in devices.json`);
  }
}
