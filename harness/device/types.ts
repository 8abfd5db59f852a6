export type IdentifierName = 'imei' | 'phoneNumber' | 'androidId' | 'serial' | 'wifiMac' | 'model' | 'release' | 'imsi' | 'carrier';

/**
 * A value read from the phone, or why there is none. `note` says how far apps can see it (the Wi-Fi
 * MAC on Android 10+); `apps` holds per-app values (ANDROID_ID on Android 8+, read with root), and
 * `value` is then the first of them.
 */
export type IdentifierReading = { value: string; note?: string; apps?: Record<string, string> } | { unavailable: string };

export type Identifiers = Record<IdentifierName, IdentifierReading>;
