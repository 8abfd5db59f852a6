import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPORT_CSP, renderHtml } from '../../harness/report/htmlReport.js';
import { dumpDom } from './headlessChromium.js';
import { sampleRun } from './sampleRun.js';
import { XSS_PAYLOADS } from './xssPayloads.js';


/** Injected markup would serialise as a real tag; escaped text has no raw '<' before it. */
function injectedElements(dom: string): string[] {
  return dom.match(/<[a-z][a-z0-9]*\b[^<>]*\bdata-xss\b[^<>]*>/gi) ?? [];
}

describe('index.html', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-html-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('forbids every script with a CSP and loads nothing from outside the page', () => {
    const html = renderHtml(sampleRun());
    expect(html).to.contain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).to.match(/default-src 'none'/);
    expect(html).not.to.match(/<script|<link|src="http|url\(/i);
  });

  it('shows the matrix, the evidence with the canary highlighted, identifiers, blind spots and versions', async () => {
    const run = sampleRun();
    const file = path.join(dir, 'plain.html');
    await writeFile(file, renderHtml(run));
    const dom = await dumpDom(file);
    // Matrix: one column per browser × mode, a badge per visit.
    const matrixHead = /<th>visit<\/th>(.*?)<\/thead>/s.exec(dom)?.[1] ?? '';
    expect(matrixHead.match(/<th scope="col">/g)).to.have.length(4);
    expect(dom.match(/class="badge leaked"/g)!.length).to.be.at.least(2);
    expect(dom).to.contain('class="badge unobservable"');
    expect(dom).to.contain('class="badge not-leaked"');
    // The unobservable reason is on the page.
    expect(dom).to.contain('tls-rejected: the app refused the capture certificate');
    // Evidence: host, endpoint, chain, excerpt with the canary marked.
    expect(dom).to.contain('<mark>phonehome quiet otter 41c2</mark>');
    expect(dom).to.contain('<mark>https://news.example.org/story?ph=tok_5f1e2d</mark>');
    expect(dom).to.contain('POST https://sa.api.intl.miui.com/sa');
    expect(dom).to.match(/<code>form\[data_list\]<\/code> → <code>base64<\/code> → <code>gzip<\/code>/);
    // The IMEI travelled in the same flow as the search.
    expect(dom).to.match(/travelled with it<\/dt><dd>imei <code>867530912345678<\/code>/);
    expect(dom).to.contain('tracking.intl.miui.com');
    expect(dom).to.contain('3.4.0');
    expect(dom).to.contain('12.1.3');
    // The screen recording of the leaked visit: shown beside its finding, linked from the visit and its matrix cell.
    expect(dom).to.match(/what the screen showed<\/dt><dd><a href="capture\/redmi-note-8\/visits\/v1\.apng"><img class="recording" src="capture\/redmi-note-8\/visits\/v1\.apng"/);
    expect(dom).to.contain('<a href="capture/redmi-note-8/visits/v1.apng">screen recording</a>');
    expect(dom).to.contain('<a href="capture/redmi-note-8/visits/v1.apng">screen</a>');
  });

  it('links no recording whose path leaves the run folder (run.json may have been edited)', () => {
    const run = sampleRun();
    run.visits[0]!.recording = '../../etc/passwd';
    const html = renderHtml(run);
    expect(html).to.not.contain('passwd');
    expect(html).to.not.contain('what the screen showed');
  });

  for (const csp of [true, false]) {
    it(`runs no script and injects no element for the XSS corpus in every captured field${csp ? '' : ' (CSP removed: escaping alone)'}`, async () => {
      let n = 0;
      // Every captured string gets a different payload, so each field is tried with several.
      const run = sampleRun((_field, value) => `${value}${XSS_PAYLOADS[n++ % XSS_PAYLOADS.length]}`);
      run.errors = [XSS_PAYLOADS.join(' ')];
      let html = renderHtml(run);
      if (!csp) html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
      const file = path.join(dir, `xss-${csp}.html`);
      await writeFile(file, html);
      const dom = await dumpDom(file);
      expect(n).to.be.greaterThan(XSS_PAYLOADS.length);
      expect(dom).not.to.contain('data-pwned=');
      expect(injectedElements(dom)).to.deep.equal([]);
      // The page is whole (no payload swallowed the rest) and the payloads are shown as text.
      expect(dom).to.contain('<footer>');
      expect(dom).to.contain('&lt;img src=x data-xss onerror=');
      expect(dom).to.contain('⟦U+202E⟧moc.live');
    });
  }

  it('the corpus check can fail: an unescaped payload is caught', async () => {
    const file = path.join(dir, 'broken.html');
    await writeFile(file, `<!DOCTYPE html><html><body><p>${XSS_PAYLOADS[0]}</p><footer>end</footer></body></html>`);
    const dom = await dumpDom(file);
    expect(dom).to.contain('data-pwned="img"');
    expect(injectedElements(dom)).to.have.length(1);
  });
});
