import { PhonehomeError } from '../../errors.js';
import type { AdbDevice } from '../adbDevice.js';
import { asRoot, runRootScript, type RootForm } from '../rootAccess.js';
import { shellQuote } from '../shellQuote.js';

/** The level the run wants every app's log lines at: V, the lowest (liblog's priority letters). */
export const RUN_LOG_LEVEL = 'V';

export interface LogTagRecord {
  /** `getprop log.tag` as found; '' when unset. */
  previous: string;
  value: string;
  rootForm: RootForm;
}

/**
 * `log.tag` is the default threshold of every app's log lines (AOSP property_contexts maps it to
 * log_tag_prop). MIUI is reported to raise it so third-party apps' lines are dropped
 * (real-device-notes row 21, from a public project note; unverified), which leaves the per-visit
 * logcat evidence empty. With root the run sets it to V and puts the previous value back on undo;
 * without root nothing is changed (the visits keep whatever logcat the phone gives).
 */
export async function planLogTag(device: AdbDevice, form: RootForm): Promise<LogTagRecord | undefined> {
  const previous = (await device.shell('getprop log.tag')).trim();
  if (previous === RUN_LOG_LEVEL) return undefined;
  return { previous, value: RUN_LOG_LEVEL, rootForm: form };
}

export async function applyLogTag(device: AdbDevice, plan: LogTagRecord): Promise<void> {
  await runRootScript(device, plan.rootForm, 'log.tag', [`setprop log.tag ${plan.value}`]);
  const now = (await device.shell('getprop log.tag')).trim();
  if (now !== plan.value) throw new PhonehomeError(`log.tag step failed on ${device.serial}: log.tag reads '${now}' after setprop log.tag ${plan.value}`);
}

/** Puts the value found back (idempotent). */
export async function undoLogTag(device: AdbDevice, plan: LogTagRecord): Promise<void> {
  const now = (await device.shell(asRoot(plan.rootForm, 'getprop log.tag'))).trim();
  if (now === plan.previous) return;
  await runRootScript(device, plan.rootForm, 'undo log.tag', [`setprop log.tag ${shellQuote(plan.previous)}`]);
}
