import { expect } from 'chai';
import { makeSearchTerm, makeVisitToken, newVisitCanaries, parseCanaryArgument, placeToken } from '../../harness/detect/index.js';

describe('detect: fresh visit canaries', () => {
  it('makes unique lower-case tokens and two-word search terms', () => {
    const tokens = new Set(Array.from({ length: 1000 }, makeVisitToken));
    expect(tokens.size).to.equal(1000);
    for (const t of tokens) expect(t).to.match(/^ph[a-z2-7]{18}$/);
    expect(makeSearchTerm()).to.match(/^phonehome [a-z2-7]{12}$/);
  });

  it('places the token in the query or as a path segment, keeping the rest of the URL', () => {
    expect(placeToken('https://example.com/a?b=1#top', 'phabc', 'query')).to.equal('https://example.com/a?b=1&phc=phabc#top');
    expect(placeToken('https://example.com/a/', 'phabc', 'path')).to.equal('https://example.com/a/phabc');
    expect(placeToken('https://example.com', 'phabc', 'path')).to.equal('https://example.com/phabc');
    expect(() => placeToken('example.com/a', 'phabc')).to.throw(/not an absolute URL/);
  });

  it('gives a visit its token, URL and search-term canaries, tagged with the visit id', () => {
    const v = newVisitCanaries('v7', 'https://news.example.com/', { searchTerms: ['phonehome abc123'] });
    expect(v.url).to.equal(`https://news.example.com/?phc=${v.token}`);
    expect(v.canaries).to.deep.equal([
      { kind: 'visit-token', value: v.token, visitId: 'v7' },
      { kind: 'visit-url', value: v.url, visitId: 'v7' },
      { kind: 'search-term', value: 'phonehome abc123', visitId: 'v7' },
    ]);
  });

  it('reads --canary values with and without a kind', () => {
    expect(parseCanaryArgument('imei:867530912345671')).to.deep.equal({ kind: 'imei', value: '867530912345671' });
    expect(parseCanaryArgument('https://x.example/?a=1')).to.deep.equal({ kind: 'custom', value: 'https://x.example/?a=1' });
  });
});
