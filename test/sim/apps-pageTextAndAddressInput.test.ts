import { expect } from 'chai';
import { interpretAddress } from '../../sim/apps/index.js';
import { readPage } from '../../sim/apps/pageText.js';

describe('sim/apps: what the browser reads of a page and of the address bar', () => {
  it('reads the first <title> and the visible body text, without head, scripts, styles or comments', () => {
    const page = readPage(`<!doctype html><html><head><title> Caf&eacute; &amp; &#x4e2d;&#25991; </title><meta x><style>b{}</style></head>
      <body><!-- hidden --><script>var s = "<p>not text</p>";</script><h1>Hello</h1><p>big&nbsp;world</p><title>second</title><noscript>no</noscript>tail</body></html>`);
    expect(page.title).to.equal('Caf&eacute; & 中文');
    expect(page.text).to.equal('Hello big world tail');
  });

  it('keeps at most 200 characters of text and has no title when the page has none', () => {
    const page = readPage(`<p>${'word '.repeat(200)}</p>`);
    expect(page.title).to.equal(null);
    expect(page.text.length).to.equal(200);
  });

  it('stays linear on hostile markup (unclosed heads, titles and scripts by the megabyte)', function () {
    this.timeout(10000);
    for (const unit of ['<head ', '<title>', '<script>', '<!--', '<', '&#x41;']) {
      const hostile = unit.repeat(Math.floor((4 * 1024 * 1024) / unit.length));
      const page = readPage(hostile);
      expect(page.text.length).to.be.at.most(200);
      expect((page.title ?? '').length).to.be.at.most(1000);
    }
  });

  it('treats schemes and host-like text as URLs and anything else as a form-encoded search', () => {
    const search = 'https://www.google.com/search?q=${query}&client=x';
    expect(interpretAddress('https://Example.com/a b', search)).to.deep.equal({ kind: 'url', url: 'https://example.com/a%20b' });
    expect(interpretAddress('news.example/x?y=1', search)).to.deep.equal({ kind: 'url', url: 'http://news.example/x?y=1' });
    expect(interpretAddress('localhost:8080', search)).to.deep.equal({ kind: 'url', url: 'http://localhost:8080/' });
    expect(interpretAddress('10.0.0.2', search)).to.deep.equal({ kind: 'url', url: 'http://10.0.0.2/' });
    expect(interpretAddress('i am searching for something', search)).to.deep.equal({ kind: 'search', query: 'i am searching for something', url: 'https://www.google.com/search?q=i+am+searching+for+something&client=x' });
    expect(interpretAddress('porn', undefined)).to.deep.equal({ kind: 'search', query: 'porn', url: 'https://www.google.com/search?q=porn' });
    expect(interpretAddress('a&b=c?', search).url).to.equal('https://www.google.com/search?q=a%26b%3Dc%3F&client=x');
  });
});
