/**
 * Transaction codes of IPhoneSubInfo (`service call iphonesubinfo N`) by Android API level. The
 * codes are the positions of the methods in IPhoneSubInfo.aidl, which changed as methods were
 * added: forensic tools keep the same table (IMEI at 1 throughout; line number 5/6 on 4.x, 13 from
 * Android 5 to 10, 15 from Android 11 when the *WithFeature variants were inserted).
 */
export interface SubinfoCodes {
  /** getDeviceId: the IMEI on GSM phones. */
  imei: number;
  /** getLine1Number: the phone number. */
  line1: number;
  /** getSubscriberId: the IMSI. */
  imsi: number;
  /** Whether the getters take a calling package argument (`s16 com.android.shell`). */
  callingPackage: boolean;
}

const TABLE: Array<{ upToSdk: number; codes: SubinfoCodes }> = [
  { upToSdk: 17, codes: { imei: 1, line1: 5, imsi: 3, callingPackage: false } }, // ≤ 4.2
  { upToSdk: 20, codes: { imei: 1, line1: 6, imsi: 3, callingPackage: false } }, // 4.3–4.4 (getGroupIdLevel1 added)
  { upToSdk: 29, codes: { imei: 1, line1: 13, imsi: 7, callingPackage: true } }, // 5–10
  { upToSdk: Number.POSITIVE_INFINITY, codes: { imei: 1, line1: 15, imsi: 8, callingPackage: true } }, // 11+
];

export function subinfoCodes(sdk: number): SubinfoCodes {
  return (TABLE.find((row) => sdk <= row.upToSdk) ?? TABLE[TABLE.length - 1]).codes;
}

/** The shell command that calls one getter. */
export function subinfoCommand(code: number, codes: SubinfoCodes): string {
  return codes.callingPackage ? `service call iphonesubinfo ${code} s16 com.android.shell` : `service call iphonesubinfo ${code}`;
}
