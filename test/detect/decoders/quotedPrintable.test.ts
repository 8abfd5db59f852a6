import { expect } from 'chai';
import { LeakFinder, decodeQuotedPrintable, type Canary } from '../../../harness/detect/index.js';
import { makeFlow } from '../flowFixtures.js';

const canary: Canary = { kind: 'search-term', value: 'phonehome zq4k7m2x' };

function multipart(body: string, encoding?: string): string {
  const cte = encoding ? `Content-Transfer-Encoding: ${encoding}\r\n` : '';
  return `--qpb0und\r\nContent-Disposition: form-data; name="note"\r\n${cte}\r\n${body}\r\n--qpb0und--\r\n`;
}

describe('detect: quoted-printable (RFC 2045 §6.7)', () => {
  it('decodes =XX escapes (either case) and soft line breaks after CRLF, LF and transport padding', () => {
    const qp = decodeQuotedPrintable(Buffer.from('a=3Db=3db=\r\nc=  \nd=\ne=C3=A9'));
    expect(qp.bytes.toString('utf8')).to.equal('a=b=bcdeé');
    expect(qp.escapes).to.equal(4);
    expect(qp.softBreaks).to.equal(3);
  });

  it('leaves a lone "=" that is neither escape nor soft break as it is', () => {
    expect(decodeQuotedPrintable(Buffer.from('x=zz=')).bytes.toString()).to.equal('x=zz=');
  });

  it('finds a canary in a multipart part declared quoted-printable, split by a soft break', async () => {
    const finder = new LeakFinder({ canaries: [canary] });
    const body = multipart('q=3Dphonehome=20zq4=\r\nk7m2x&more', 'quoted-printable');
    const scan = await finder.scanFlow(makeFlow({ body, headers: [['content-type', 'multipart/form-data; boundary=qpb0und']] }));
    expect(scan.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body › multipart[note] › quoted-printable']);
  });

  it('does not decode an undeclared part with escapes but no soft break (it may be anything)', async () => {
    const finder = new LeakFinder({ canaries: [canary] });
    const scan = await finder.scanFlow(makeFlow({ body: multipart('phonehome=20zq4k7m2x') }));
    expect(scan.findings).to.deep.equal([]);
  });

  it('decodes undeclared quoted-printable text that has both soft breaks and escapes', async () => {
    const finder = new LeakFinder({ canaries: [canary] });
    const scan = await finder.scanFlow(makeFlow({ body: 'Subject: search=0D=0Aterm: phonehome=20zq4k=\r\n7m2x=0D=0A' }));
    expect(scan.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body › quoted-printable']);
  });

  it('does not take base64 padding before a line end for a soft break', async () => {
    const finder = new LeakFinder({ canaries: [canary] });
    const text = `${Buffer.from('phonehome zq4k7m2x').toString('base64')}\n${Buffer.from('other line of things').toString('base64')}\n`;
    const scan = await finder.scanFlow(makeFlow({ body: text }));
    expect(scan.findings.map((f) => f.chain.join(' › '))).to.deep.equal(['body › base64']);
  });
});
