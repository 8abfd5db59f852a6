import { formatParcel, string16Reply } from '../parcelDump.js';
import type { Ctx, Handler } from './context.js';

/**
 * IPhoneSubInfo transaction codes. They moved between releases (the AIDL gained methods), which
 * is why tools pick the code by SDK level:
 *   sdk < 21  (KitKat): 1 getDeviceId (IMEI), 3 getSubscriberId (IMSI), 5 getIccSerialNumber, 6 getLine1Number
 *   sdk >= 21 (Lollipop+): 1 getDeviceId, 4 getImeiForSubId, 7 getSubscriberId, 11 getIccSerialNumber,
 *                          13 getLine1Number, 15 getLine1NumberForSubscriber
 */
export function iphonesubinfoField(sdk: number, code: number): 'imei' | 'imsi' | 'iccid' | 'phoneNumber' | null {
  const table: Record<number, 'imei' | 'imsi' | 'iccid' | 'phoneNumber'> = sdk < 21
    ? { 1: 'imei', 3: 'imsi', 5: 'iccid', 6: 'phoneNumber' }
    : { 1: 'imei', 4: 'imei', 7: 'imsi', 8: 'imsi', 11: 'iccid', 12: 'iccid', 13: 'phoneNumber', 15: 'phoneNumber' };
  return table[code] ?? null;
}

const SERVICES: Array<[string, string]> = [
  ['activity', 'android.app.IActivityManager'], ['iphonesubinfo', 'com.android.internal.telephony.IPhoneSubInfo'],
  ['package', 'android.content.pm.IPackageManager'], ['phone', 'com.android.internal.telephony.ITelephony'],
  ['power', 'android.os.IPowerManager'], ['settings', ''], ['statusbar', 'com.android.internal.statusbar.IStatusBarService'],
  ['window', 'android.view.IWindowManager'], ['wifi', 'android.net.wifi.IWifiManager'], ['input', 'android.hardware.input.IInputManager'],
];

async function call(ctx: Ctx, service: string, code: number): Promise<number> {
  const device = ctx.device.profile.device;
  if (!SERVICES.some(([name]) => name === service)) {
    await ctx.err(`service: Service ${service} does not exist\n`);
    return 10;
  }
  if (service !== 'iphonesubinfo') {
    // Other binder calls: a plain "no exception" reply.
    await ctx.out(formatParcel(Buffer.alloc(4)));
    return 0;
  }
  const field = iphonesubinfoField(device.sdk, code);
  if (!field) {
    await ctx.out(formatParcel(string16Reply(null)));
    return 0;
  }
  const value = field === 'imei' ? device.imei : field === 'imsi' ? device.imsi ?? null : field === 'phoneNumber' ? device.phoneNumber : null;
  await ctx.out(formatParcel(string16Reply(value)));
  return 0;
}

export const service: Handler = async (ctx) => {
  const [verb, name, code] = ctx.args;
  switch (verb) {
    case 'list':
      await ctx.out(`Found ${SERVICES.length} services:\n${SERVICES.map(([n, iface], i) => `${i}\t${n}: [${iface}]\n`).join('')}`);
      return 0;
    case 'check':
      await ctx.out(`Service ${name ?? ''}: ${SERVICES.some(([n]) => n === name) ? 'found' : 'not found'}\n`);
      return 0;
    case 'call':
      if (name && code && /^\d+$/.test(code)) return call(ctx, name, Number(code));
      break;
    default:
      break;
  }
  await ctx.err('Usage: service [-h|-?]\n       service list\n       service check SERVICE\n       service call SERVICE CODE [i32 N | i64 N | f N | d N | s16 STR | null | fd f] ...\n');
  return 1;
};

export const serviceCommands: Record<string, Handler> = { service };
