import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { LeakFinder, wrappedBase64Blocks, type Canary } from '../../../harness/detect/index.js';
import { makeFlow } from '../flowFixtures.js';

const canary: Canary = { kind: 'visit-token', value: 'phc7q2kz9xw4m1' };
const payload = gzipSync(JSON.stringify({ events: Array.from({ length: 30 }, (_, i) => ({ i, url: i === 17 ? `https://a.example/?phc=${canary.value}` : `https://a.example/p${i * 31}` })) }));

function lines(text: string, width: number, eol: string): string {
  return text.replace(new RegExp(`.{${width}}`, 'g'), `$&${eol}`);
}

describe('detect: base64 in lines (android.util.Base64 DEFAULT, MIME, PEM)', () => {
  for (const [name, width, eol] of [
    ['android.util.Base64 DEFAULT (76, LF)', 76, '\n'],
    ['Base64 CRLF flag / MIME (76, CRLF)', 76, '\r\n'],
    ['PEM (64, LF)', 64, '\n'],
  ] as const) {
    it(`decodes gzip written as ${name} in one piece`, async () => {
      const body = `{"data":"${lines(payload.toString('base64'), width, eol).replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"}`;
      const scan = await new LeakFinder({ canaries: [canary] }).scanFlow(makeFlow({ body }));
      expect(scan.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body › json.data › base64 › gzip (magic) › json.events[17].url › query[phc]']);
      expect(scan.undecodable).to.deep.equal([]);
    });
  }

  it('finds a block from the tail of its first line (a field name before it) to the padding of its last', () => {
    const b64 = Buffer.from('x'.repeat(100)).toString('base64');
    const text = Buffer.from(`data: ${lines(b64, 76, '\n')}\nnext`);
    const blocks = wrappedBase64Blocks(text);
    expect(blocks).to.have.length(1);
    expect(text.toString('latin1', blocks[0]!.start, blocks[0]!.end).replace(/\n/g, '')).to.equal(b64);
  });

  it('takes no block from lines of different lengths (prose, lists) or a single line', () => {
    expect(wrappedBase64Blocks(Buffer.from('abcdefghijklmnopqrst\nabcdefghijklmnopqrstuvw\nab cd\n'))).to.deep.equal([]);
    expect(wrappedBase64Blocks(Buffer.from(`${'A'.repeat(76)}\n`))).to.deep.equal([]);
  });
});
