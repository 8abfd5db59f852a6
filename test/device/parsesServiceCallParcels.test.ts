import { expect } from 'chai';
import { parcelWords, parseParcelString, subinfoCodes, subinfoCommand } from '../../harness/device/index.js';

/** Lays out a String16 reply the way Parcel::writeString16 does, and prints it as `service call` does. */
function dump(words: number[]): string {
  const hex = words.map((w) => (w >>> 0).toString(16).padStart(8, '0'));
  if (hex.length <= 4) return `Result: Parcel(${hex.join(' ')}   '................')\n`;
  const rows: string[] = [];
  for (let i = 0; i < hex.length; i += 4) rows.push(`  0x${(i * 4).toString(16).padStart(8, '0')}: ${hex.slice(i, i + 4).join(' ').padEnd(35)} '....'`);
  return `Result: Parcel(\n${rows.join('\n')})\n`;
}

function string16(exception: number, value: string | null): number[] {
  if (value === null) return [exception, 0xffffffff];
  const units = [...value].map((c) => c.charCodeAt(0)).concat(0);
  if (units.length % 2) units.push(0);
  const words = [exception, value.length];
  for (let i = 0; i < units.length; i += 2) words.push((units[i] | (units[i + 1] << 16)) >>> 0);
  return words;
}

describe('device: parsing `service call iphonesubinfo` Parcel output', () => {
  it('reads an IMEI from the multi-line dump a phone prints', () => {
    const text = [
      'Result: Parcel(',
      "  0x00000000: 00000000 0000000f 00360038 00350039 '........8.6.9.5.'",
      "  0x00000010: 00320031 00340030 00380033 00310037 '1.2.0.4.3.8.7.1.'",
      "  0x00000020: 00330032 00000039                   '2.3.9...        ')",
    ].join('\n');
    expect(parseParcelString(text)).to.deep.equal({ ok: true, value: '869512043871239' });
  });

  it('reads values of every length, including odd and even ones and a phone number with +', () => {
    for (const value of ['1', '12', '+447700900123', '234159876543210', '8f3a61c2d94b07e5']) {
      expect(parseParcelString(dump(string16(0, value)))).to.deep.equal({ ok: true, value });
    }
  });

  it('reads the one-line form and a null string (no SIM)', () => {
    expect(parseParcelString("Result: Parcel(00000000 ffffffff   '........')")).to.deep.equal({ ok: true, value: null });
  });

  it('reports a SecurityException with its message instead of a value', () => {
    const result = parseParcelString(dump(string16(-1, 'getDeviceId: The user 2000 does not meet the requirements to access device identifiers.')));
    expect(result.ok).to.equal(false);
    expect(!result.ok && result.reason).to.match(/^refused by the phone: SecurityException \(getDeviceId: The user 2000 does not meet/);
  });

  it('reports a missing service, an unknown format and an empty or truncated reply', () => {
    expect(parseParcelString('service: Service iphonesubinfo does not exist')).to.deep.include({ ok: false });
    expect(parseParcelString('/system/bin/sh: service: not found')).to.deep.include({ ok: false });
    expect(parseParcelString('something else')).to.deep.equal({ ok: false, reason: "unexpected 'service call' output ('something else')" });
    expect(parseParcelString('Result: Parcel()')).to.deep.include({ ok: false });
    expect(parseParcelString(dump([0, 40, 0x00310031]))).to.deep.equal({ ok: false, reason: 'truncated reply' });
  });

  it('ignores hex-looking text in the ASCII column', () => {
    expect(parcelWords("Result: Parcel(00000000 ffffffff   'deadbeef')")).to.deep.equal([0, 0xffffffff]);
  });

  it('bounds the work on a hostile, endless dump', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `  0x${i.toString(16)}: 00000000 00000000 00000000 00000000 '....'`);
    expect(parcelWords(`Result: Parcel(\n${rows.join('\n')})`)).to.equal(null);
  });

  it('maps Android releases to the transaction codes of IMEI, line number and IMSI', () => {
    expect(subinfoCodes(18)).to.include({ imei: 1, line1: 6, imsi: 3, callingPackage: false }); // Redmi 1S, Android 4.3
    expect(subinfoCodes(23)).to.include({ imei: 1, line1: 13, imsi: 7 }); // Android 6: getGroupIdLevel1(String) at 9
    // Android 10 dropped getGroupIdLevel1(String): getLine1Number is 12 (13 kept as a checked fallback).
    expect(subinfoCodes(29)).to.deep.include({ imei: 1, line1: 12, line1Candidates: [12, 13], imsi: 7 });
    expect(subinfoCodes(33)).to.include({ imei: 1, line1: 15, imsi: 8 });
    expect(subinfoCommand(12, subinfoCodes(29))).to.equal('service call iphonesubinfo 12 s16 com.android.shell');
    expect(subinfoCommand(1, subinfoCodes(18))).to.equal('service call iphonesubinfo 1');
  });
});
