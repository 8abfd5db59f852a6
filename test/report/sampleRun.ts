import { RUN_SCHEMA_ID, type RunRecord } from '../../harness/report/types.js';

/**
 * A run as the harness would record it for the report writers' tests: one phone, two browsers,
 * both modes, leaked / not-leaked / unobservable visits, identifier findings, a blind spot, a failed
 * check. `taint(field)` lets a test put hostile text into every captured string.
 */
export function sampleRun(taint: (field: string, value: string) => string = (_f, v) => v): RunRecord {
  const t = taint;
  const t0 = Date.UTC(2020, 3, 30, 20, 30, 27);
  const device = 'redmi-note-8';
  const searchTerm = t('searchTerm', 'phonehome quiet otter 41c2');
  const leakedUrl = t('url', 'https://news.example.org/story?ph=tok_5f1e2d');
  const excerptText = t('excerpt', `[{"event":"page_load_event_start","properties":{"url":"${leakedUrl}","uuid":"db6f8add"}}]`);
  const start = excerptText.indexOf(leakedUrl);
  return {
    schema: RUN_SCHEMA_ID,
    runId: '20200430-203027-ab12',
    startedAt: t0,
    endedAt: t0 + 60_000,
    status: 'failed',
    argv: ['run', 'forbes-2020', '--device', device],
    phones: [
      {
        name: device,
        serial: t('serial', '127.0.0.1:41234'),
        model: t('model', 'Redmi Note 8'),
        manufacturer: 'Xiaomi',
        release: '10',
        identifiers: {
          imei: { value: t('imei', '867530912345678') },
          androidId: { value: '9774d56d682e549c' },
          phoneNumber: { unavailable: t('unavailable', 'no SIM') },
        },
        apps: [
          { package: 'com.mi.globalbrowser.mini', version: t('version', '3.4.0'), versionCode: 340, browser: 'mint', label: t('label', 'Mint Browser') },
          { package: 'com.mi.globalbrowser', version: '12.1.3', browser: 'mi-browser-pro', label: 'Mi Browser Pro' },
        ],
        captureDir: 'capture/redmi-note-8',
      },
    ],
    suites: [
      {
        name: 'forbes-2020',
        file: 'scenarios/forbes-2020.ts',
        tests: [
          { suite: 'forbes-2020', title: t('title', 'mint incognito: a search reaches the vendor'), fullTitle: `forbes-2020 ${device} ${t('title', 'mint incognito: a search reaches the vendor')}`, state: 'passed', durationMs: 1520, visitIds: ['v1'] },
          {
            suite: 'forbes-2020',
            title: 'mi-browser-pro normal: nothing leaks',
            fullTitle: `forbes-2020 ${device} mi-browser-pro normal: nothing leaks`,
            state: 'failed',
            durationMs: 830,
            error: { message: t('assertion', 'expected visit 2 not to have leaked to a third party, but it did: visit-url to sa.api.intl.miui.com/sa'), stack: 'AssertionError: expected …\n    at Context.<anonymous> (scenarios/forbes-2020.ts:40:7)' },
            visitIds: ['v2'],
          },
          { suite: 'forbes-2020', title: 'mi-browser-pro incognito: skipped', fullTitle: `forbes-2020 ${device} mi-browser-pro incognito: skipped`, state: 'pending', durationMs: 0, visitIds: [] },
        ],
      },
    ],
    visits: [
      {
        id: 'v1', device, browser: 'mint', version: '3.4.0', mode: 'incognito', url: t('searchUrl', `https://www.google.com/search?q=${searchTerm.replace(/ /g, "+")}`),
        searchTerms: [searchTerm],
        canaries: [{ kind: 'search-term', value: searchTerm, visitId: 'v1' }],
        t0: t0 + 1000, t1: t0 + 3000, verdict: 'leaked', hosts: [t('host', 'sa.api.intl.miui.com')], reasons: [],
        screenshot: 'visits/v1/screenshot.png', logcat: 'visits/v1/logcat.txt', recording: 'capture/redmi-note-8/visits/v1.apng',
      },
      {
        id: 'v2', device, browser: 'mi-browser-pro', version: '12.1.3', mode: 'normal', url: leakedUrl,
        canaries: [{ kind: 'visit-token', value: 'tok_5f1e2d', visitId: 'v2' }, { kind: 'visit-url', value: leakedUrl, visitId: 'v2' }],
        t0: t0 + 4000, t1: t0 + 6000, verdict: 'leaked', hosts: ['sa.api.intl.miui.com'], reasons: [],
      },
      {
        id: 'v3', device, browser: 'mint', version: '3.4.0', mode: 'normal', url: 'https://news.example.org/b?ph=tok_77aa',
        canaries: [{ kind: 'visit-token', value: 'tok_77aa', visitId: 'v3' }],
        t0: t0 + 7000, t1: t0 + 9000, verdict: 'not-leaked', hosts: [], reasons: [],
      },
      {
        id: 'v4', device, browser: 'mi-browser-pro', version: '12.1.3', mode: 'incognito', url: 'https://news.example.org/c?ph=tok_9b9b',
        canaries: [{ kind: 'visit-token', value: 'tok_9b9b', visitId: 'v4' }],
        t0: t0 + 10000, t1: t0 + 12000, verdict: 'unobservable', hosts: [], reasons: [t('reason', 'tls-rejected: the app refused the capture certificate for tracking.intl.miui.com')],
      },
    ],
    findings: [
      {
        canary: { kind: 'search-term', value: searchTerm, visitId: 'v1' }, flowId: t('flowId', 'f-12'), host: t('host', 'sa.api.intl.miui.com'), ip: '47.88.1.2', path: t('path', '/sa'), party: 'third-party',
        chain: ['body', t('chain', 'form[data_list]'), 'base64', 'gzip', 'json[0].properties.search_word'],
        excerpt: { text: t('excerpt2', `"search_word":"${searchTerm}","uuid":"db6f8add"`), start: 15, end: 15 + searchTerm.length },
        confidence: 'high', device, visitId: 'v1', time: t0 + 2000, method: t('method', 'POST'), endpoint: t('endpoint', 'https://sa.api.intl.miui.com/sa'),
      },
      {
        canary: { kind: 'visit-url', value: leakedUrl, visitId: 'v2' }, flowId: 'f-20', host: 'sa.api.intl.miui.com', path: '/sa', party: 'third-party',
        chain: ['body', 'form[data_list]', 'base64', 'gzip', 'json[0].properties.url'],
        excerpt: { text: excerptText, start: Math.max(0, start), end: Math.max(0, start) + leakedUrl.length },
        device, visitId: 'v2', time: t0 + 5000, method: 'POST', endpoint: 'https://sa.api.intl.miui.com/sa',
      },
      {
        canary: { kind: 'imei', value: t('imei', '867530912345678'), device }, flowId: t('flowId', 'f-12'), host: t('host', 'sa.api.intl.miui.com'), path: '/sa', party: 'third-party',
        chain: ['body', 'form[data_list]', 'base64', 'gzip', t('idChain', 'json[0].properties.imei')],
        excerpt: { text: t('idExcerpt', '"imei":"867530912345678"'), start: 8, end: 23 },
        device, time: t0 + 2000,
      },
    ],
    blindSpots: [
      { id: 'b1', time: t0 + 11000, reason: 'tls-rejected', host: t('bsHost', 'tracking.intl.miui.com'), detail: t('detail', 'client rejected the certificate'), device },
    ],
    captures: [{ device, dir: 'capture/redmi-note-8', flows: 57, blindSpots: 1, firstFlowAt: t0 + 500, lastFlowAt: t0 + 59_000 }],
    errors: [],
  };
}
