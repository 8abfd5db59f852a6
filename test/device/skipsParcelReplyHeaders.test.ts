import { expect } from 'chai';
import { parseParcelString } from '../../harness/device/index.js';

/** Prints words as `service call` does (one-line form). */
function dump(words: number[]): string {
  return `Result: Parcel(${words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join(' ')}   '................')\n`;
}

function string16(value: string): number[] {
  const units = [...value].map((c) => c.charCodeAt(0)).concat(0);
  if (units.length % 2) units.push(0);
  const words = [value.length];
  for (let i = 0; i < units.length; i += 2) words.push((units[i]! | (units[i + 1]! << 16)) >>> 0);
  return words;
}

describe('device: a Parcel reply header (-128) is skipped, not taken for a refusal', () => {
  it('reads the String16 after a StrictMode reply header whose size counts its own size word', () => {
    // EX_HAS_REPLY_HEADER, header size 12 bytes (the size word and two words of header), then the result.
    const words = [-128 >>> 0, 12, 0x11111111, 0x22222222, ...string16('869512043871239')];
    expect(parseParcelString(dump(words))).to.deep.equal({ ok: true, value: '869512043871239' });
  });

  it('refuses a header whose size does not fit the reply, naming it', () => {
    const result = parseParcelString(dump([-128 >>> 0, 400, 0]));
    expect(result).to.deep.equal({ ok: false, reason: 'reply header of 400 bytes does not fit the reply' });
  });

  it('still reports a real exception as a refusal', () => {
    const result = parseParcelString(dump([-1 >>> 0, ...string16('denied')]));
    expect(result).to.deep.equal({ ok: false, reason: 'refused by the phone: SecurityException (denied)' });
  });
});
