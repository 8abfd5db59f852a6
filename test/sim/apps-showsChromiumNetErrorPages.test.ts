import { expect } from 'chai';
import { findErrorPage } from '../../harness/drive/index.js';
import { loadPage } from '../../sim/apps/pageLoader.js';
import { NetError, type NetErrorKind, type NetworkStack } from '../../sim/net/index.js';

/** A network stack whose every request fails as `kind` (the page loader's seam to sim/net). */
function failing(kind: NetErrorKind): NetworkStack {
  return { request: async () => { throw new NetError(kind, `simulated ${kind}`); } } as unknown as NetworkStack;
}

const options = { userAgent: 'Mozilla/5.0 (Linux; Android 10) Chrome/77 Mobile', trustsUserCAs: false, logTag: 'chromium' };

describe('sim: a failed load shows Chromium\'s net error page (localized_error.cc, error_page_strings.grdp)', () => {
  it('the proxy unreachable: "No internet", the proxy summary and ERR_PROXY_CONNECTION_FAILED', async () => {
    const page = await loadPage(failing('proxy-unreachable'), 'https://news.example.org/story?phc=x', options);
    expect(page).to.include({ status: null, error: 'ERR_PROXY_CONNECTION_FAILED', title: 'news.example.org' });
    expect(page.text).to.equal('No internet There is something wrong with the proxy server, or the address is incorrect. ERR_PROXY_CONNECTION_FAILED');
  });

  it('a closed connection and a timeout: "This site can’t be reached" with the host', async () => {
    expect((await loadPage(failing('connection-closed'), 'http://a.example/', options)).text).to.equal('This site can’t be reached a.example unexpectedly closed the connection. ERR_CONNECTION_CLOSED');
    expect((await loadPage(failing('timeout'), 'http://a.example/', options)).text).to.equal('This site can’t be reached a.example took too long to respond. ERR_TIMED_OUT');
  });

  it('what the harness reads from the screen finds the code on each of them', async () => {
    for (const kind of ['proxy-unreachable', 'no-network', 'connection-closed', 'timeout', 'tunnel-failed', 'tls-untrusted'] as NetErrorKind[]) {
      const page = await loadPage(failing(kind), 'https://b.example/', options);
      const source = `<hierarchy><android.view.View text="${page.title}" /><android.view.View text="${page.text}" /></hierarchy>`;
      expect(findErrorPage(source)?.code, kind).to.equal(page.error);
    }
  });
});
