export type IdentifierName = 'imei' | 'phoneNumber' | 'androidId' | 'serial' | 'wifiMac' | 'model' | 'release' | 'imsi';

export type IdentifierReading = { value: string } | { unavailable: string };

export type Identifiers = Record<IdentifierName, IdentifierReading>;
