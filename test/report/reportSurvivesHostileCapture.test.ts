import { expect } from 'chai';
import http from 'node:http';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CaptureSidecar, MarkerWriter } from '../../harness/capture/index.js';
import type { Visit } from '../../harness/detect/types.js';
import { createRunFolder, JournalWriter, runRecordErrors, writeReports } from '../../harness/report/index.js';
import { dumpDom } from './headlessChromium.js';
import { XSS_PAYLOADS } from './xssPayloads.js';

// har-validator is CommonJS without types.
const harValidator = createRequire(import.meta.url)('har-validator/lib/promise') as { har: (data: unknown) => Promise<unknown> };

/** One request through the sidecar as an HTTP proxy (absolute-form request line). */
function viaProxy(port: number, url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: url, headers: { host: u.host, ...options.headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('proxy request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * The XSS corpus goes through a real capture: the sidecar records requests whose path, query,
 * headers and bodies carry the payloads, a visit's URL and search term are payloads (so the
 * detector's findings and excerpts hold them), and the phone's app labels and versions too. The
 * report built from that folder is then opened in Chromium: nothing may run, nothing may be injected.
 */
describe('a report built from a hostile capture', function () {
  this.timeout(90_000);
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'phonehome-hostile-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('escapes every captured string: no script runs and no element is injected, with or without the CSP', async () => {
    const folder = await createRunFolder(path.join(root, 'reports'));
    const journal = new JournalWriter(folder.journal);
    const device = 'hostile-phone';
    const t0 = Date.now();
    journal.write({ type: 'run-start', runId: folder.runId, startedAt: t0, argv: ['run', XSS_PAYLOADS[1]!] });
    journal.write({ type: 'suite', name: 'hostile', file: `scenarios/${XSS_PAYLOADS[2]}.ts` });
    journal.write({
      type: 'phone',
      phone: {
        name: device, serial: `127.0.0.1:1${XSS_PAYLOADS[0]}`, model: XSS_PAYLOADS[3]!, manufacturer: XSS_PAYLOADS[7]!, release: XSS_PAYLOADS[4]!,
        identifiers: { imei: { value: '867530912345678' }, phoneNumber: { unavailable: XSS_PAYLOADS[5]! } },
        apps: [{ package: 'com.mi.globalbrowser.mini', version: XSS_PAYLOADS[10]!, browser: 'mint', label: XSS_PAYLOADS[11]! }],
        captureDir: folder.relativeCaptureDir(device),
      },
    });

    const captureDir = folder.captureDir(device);
    const sidecar = new CaptureSidecar({ out: captureDir, host: '127.0.0.1', port: 0, upstream: 'sink', home: path.join(root, 'home') });
    await sidecar.start();
    const markers = new MarkerWriter(captureDir);
    const searchTerm = `phonehome ${XSS_PAYLOADS[0]}`;
    const visitUrl = `http://news.example.org/story/ph0123456789abcdef?x=${encodeURIComponent(XSS_PAYLOADS[2]!)}`;
    try {
      const v0 = Date.now();
      const visit: Visit = {
        id: 'v-hostile', device, browser: 'mint', version: XSS_PAYLOADS[10], mode: 'incognito', url: visitUrl, searchTerms: [searchTerm],
        canaries: [
          { kind: 'search-term', value: searchTerm, visitId: 'v-hostile' },
          { kind: 'visit-token', value: 'ph0123456789abcdef', visitId: 'v-hostile' },
        ],
        t0: v0, t1: v0,
      };
      markers.write({ time: v0, kind: 'visit-start', visitId: visit.id, data: { ...visit } });
      // The page itself, then "telemetry" carrying the canaries and the payloads everywhere it can.
      await viaProxy(sidecar.port, visitUrl, { headers: { accept: 'text/html', 'x-payload': XSS_PAYLOADS[3]!.replace(/[\r\n]/g, ' ') } });
      let i = 0;
      for (const payload of XSS_PAYLOADS) {
        const body = JSON.stringify({ event: 'search', search_word: searchTerm, url: visitUrl, imei: '867530912345678', payload, [payload]: payload });
        await viaProxy(sidecar.port, `http://sa.api.intl.miui.com/sa/${encodeURIComponent(payload)}?p=${encodeURIComponent(payload)}&i=${i++}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': payload.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '?') },
          body,
        });
      }
      markers.write({ time: Date.now(), kind: 'visit-end', visitId: visit.id, data: { ...visit, t1: Date.now() } });
    } finally {
      await markers.close();
      await sidecar.stop();
    }
    journal.write({ type: 'test', test: { suite: 'hostile', title: XSS_PAYLOADS[8]!, fullTitle: `hostile ${XSS_PAYLOADS[8]}`, state: 'failed', durationMs: 5, error: { message: XSS_PAYLOADS.join('\n') }, visitIds: ['v-hostile'] } });
    journal.write({ type: 'error', time: Date.now(), message: XSS_PAYLOADS[9]! });
    journal.write({ type: 'run-end', endedAt: Date.now(), status: 'failed' });
    journal.close();

    const run = await writeReports(folder);
    expect(runRecordErrors(JSON.parse(await readFile(folder.runJson, 'utf8')))).to.deep.equal([]);
    expect(run.captures[0]!.flows).to.equal(XSS_PAYLOADS.length + 1);
    expect(run.visits[0]!.verdict).to.equal('leaked');
    expect(run.findings.length).to.be.greaterThan(0);
    // traffic.har: HAR 1.2 of every flow, valid for HAR tools.
    const har = JSON.parse(await readFile(folder.har, 'utf8')) as { log: { entries: unknown[] } };
    await harValidator.har(har);
    expect(har.log.entries).to.have.length(XSS_PAYLOADS.length + 1);

    for (const csp of [true, false]) {
      let file = folder.html;
      if (!csp) {
        file = path.join(root, 'no-csp.html');
        await writeFile(file, (await readFile(folder.html, 'utf8')).replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
      }
      const dom = await dumpDom(file);
      expect(dom, `a payload ran (csp ${csp})`).not.to.contain('data-pwned=');
      expect(dom.match(/<[a-z][a-z0-9]*\b[^<>]*\bdata-xss\b[^<>]*>/gi) ?? [], `markup was injected (csp ${csp})`).to.deep.equal([]);
      expect(dom).to.contain('<footer>');
      // The evidence is on the page, as text, with the canary highlighted.
      expect(dom).to.contain('sa.api.intl.miui.com');
      expect(dom).to.match(/<mark>phonehome &lt;img src=x data-xss/);
    }
  });
});
