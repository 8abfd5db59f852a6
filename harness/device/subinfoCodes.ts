/**
 * Transaction codes of IPhoneSubInfo (`service call iphonesubinfo N`) by Android API level: the
 * positions of the methods in IPhoneSubInfo.aidl, which changed as methods came and went.
 *
 * - ≤ 4.4: forensic tools' table (line number 5, then 6 once getGroupIdLevel1 was added).
 * - 5 to 7 (API 21–25): 1 getDeviceId, …, 7 getSubscriberId, 9 getGroupIdLevel1(String),
 *   10 …ForSubscriber, 11 getIccSerialNumber, 12 …ForSubscriber, 13 getLine1Number (an Android 6/7
 *   copy of the AIDL, code sample 1094662633).
 * - 10 (API 29): getGroupIdLevel1(String) is gone, so 10 getIccSerialNumber, 11 …ForSubscriber and
 *   **12 getLine1Number**; 7 is still getSubscriberId (an AIDL copy carrying Android 10's
 *   @UnsupportedAppUsage and no callingFeatureId, code sample 194618604; not read at an
 *   android-10.0.0_r* tag itself).
 * - 8 and 9 (API 26–28): **unverified** whether the removal came before 10: both 12 and 13 are
 *   tried, and the one whose reply reads as a phone number is kept (a wrong code answers an ICCID,
 *   19–20 digits, or null, neither of which passes).
 * - 11+ (API 30+): the *WithFeature variants moved 8 getSubscriberId and 15 getLine1Number
 *   (public AIDL copy, code sample 292563319; Ankits-lab/frameworks_base at 150a924 agrees).
 */
export interface SubinfoCodes {
  /** getDeviceId: the IMEI on GSM phones. */
  imei: number;
  /** getLine1Number: the phone number (the first candidate). */
  line1: number;
  /** getLine1Number candidates in order, where the release's table is not certain. */
  line1Candidates: number[];
  /** getSubscriberId: the IMSI. */
  imsi: number;
  /** Whether the getters take a calling package argument (`s16 com.android.shell`). */
  callingPackage: boolean;
}

const TABLE: Array<{ upToSdk: number; codes: SubinfoCodes }> = [
  { upToSdk: 17, codes: { imei: 1, line1: 5, line1Candidates: [5], imsi: 3, callingPackage: false } }, // ≤ 4.2
  { upToSdk: 20, codes: { imei: 1, line1: 6, line1Candidates: [6], imsi: 3, callingPackage: false } }, // 4.3–4.4 (getGroupIdLevel1 added)
  { upToSdk: 25, codes: { imei: 1, line1: 13, line1Candidates: [13], imsi: 7, callingPackage: true } }, // 5–7.1
  { upToSdk: 28, codes: { imei: 1, line1: 12, line1Candidates: [12, 13], imsi: 7, callingPackage: true } }, // 8–9: unverified
  { upToSdk: 29, codes: { imei: 1, line1: 12, line1Candidates: [12, 13], imsi: 7, callingPackage: true } }, // 10
  { upToSdk: Number.POSITIVE_INFINITY, codes: { imei: 1, line1: 15, line1Candidates: [15], imsi: 8, callingPackage: true } }, // 11+
];

export function subinfoCodes(sdk: number): SubinfoCodes {
  return (TABLE.find((row) => sdk <= row.upToSdk) ?? TABLE[TABLE.length - 1]).codes;
}

/** The shell command that calls one getter. */
export function subinfoCommand(code: number, codes: SubinfoCodes): string {
  return codes.callingPackage ? `service call iphonesubinfo ${code} s16 com.android.shell` : `service call iphonesubinfo ${code}`;
}
