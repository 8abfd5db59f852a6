import { expect } from 'chai';
import { renderHtml } from '../../harness/report/htmlReport.js';
import { runRecordErrors } from '../../harness/report/runJson.js';
import type { RunRecord } from '../../harness/report/types.js';
import { sampleRun } from './sampleRun.js';

/** The sample run after a capture loss: route probes failed, and the last visit showed an error page. */
function runWithCaptureLoss(): RunRecord {
  const run = sampleRun();
  const visit = run.visits.at(-1)!;
  visit.errorPage = { code: 'ERR_PROXY_CONNECTION_FAILED', text: 'No internet · There is something wrong with the proxy server, or the address is incorrect. · ERR_PROXY_CONNECTION_FAILED', time: visit.t1 + 10 };
  run.blindSpots.push({ id: `error-page-${visit.id}`, time: visit.t1 + 10, reason: 'error-page', host: 'news.example.org', visitId: visit.id, device: visit.device, detail: 'the browser showed its network error page ERR_PROXY_CONNECTION_FAILED instead of the page' });
  run.captures[0]!.routeProbes = { answered: 16, failed: 15 };
  run.captures[0]!.blindSpots += 1;
  return run;
}

describe('report: route liveness and error pages in run.json and index.html', () => {
  it('the schema takes a visit\'s errorPage, an error-page blind spot with its visitId, and route probe counts', () => {
    expect(runRecordErrors(runWithCaptureLoss())).to.deep.equal([]);
    const bad = runWithCaptureLoss();
    bad.visits.at(-1)!.errorPage = { code: 'proxy failed', text: 'x' };
    expect(runRecordErrors(bad).join('\n')).to.match(/errorPage/);
  });

  it('the HTML report shows the route probes per phone and the error-page blind spot', () => {
    const html = renderHtml(runWithCaptureLoss());
    expect(html).to.match(/route probes \(the phone's route to the capture\): redmi-note-8: <b>16<\/b> answered, <b class="v-unobservable">15<\/b> failed/);
    expect(html).to.match(/<td>error-page<\/td><td><code>news\.example\.org<\/code><\/td><td>the browser showed its network error page ERR_PROXY_CONNECTION_FAILED/);
    expect(renderHtml(sampleRun())).to.not.contain('route probes');
  });
});
