import { expect } from 'chai';
import { sinkResponse } from '../../harness/capture/sinkResponder.js';

/** Sink mode answers a navigation to a file as a file server does, so a browser under test downloads it (forbes-2020-events). */
describe('the sink answers a navigation to a file as a download', () => {
  const navigate = (path: string, method = 'GET') => sinkResponse({ method, path, headers: { host: 'downloads.example.org', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });

  it('a .zip, .apk or .bin path gets an attachment named after it (RFC 6266), the query aside', () => {
    for (const [path, name] of [['/files/phabc.zip', 'phabc.zip'], ['/a/b/app.APK?x=1', 'app.APK'], ['/fw.bin#top', 'fw.bin']]) {
      const r = navigate(path!);
      expect(r.statusCode).to.equal(200);
      expect(r.headers).to.include({ 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` });
      expect(r.headers['content-length']).to.equal(String(Buffer.byteLength(r.body ?? '')));
    }
    expect(navigate('/files/x.zip', 'HEAD').body).to.equal(undefined);
  });

  it('anything else is still the page, and a non-navigation to a .zip still gets 204', () => {
    expect(navigate('/story?ph=abc.zip').headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(navigate('/zip').headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(sinkResponse({ method: 'POST', path: '/up/x.zip', headers: { host: 'h.example' } }).statusCode).to.equal(204);
  });
});
