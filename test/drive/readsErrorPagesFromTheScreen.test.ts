import { expect } from 'chai';
import { findErrorPage, screenTexts } from '../../harness/drive/index.js';

/** A UiAutomator2 page source with these texts, as the browsers' WebView children carry them. */
function source(...texts: string[]): string {
  const nodes = texts.map((t, i) => `<android.view.View index="${i}" text="${t.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}" resource-id="" content-desc="" />`);
  return `<?xml version="1.0" encoding="UTF-8"?><hierarchy rotation="0"><android.widget.EditText text="example.com" resource-id="com.mi.globalbrowser.mini:id/url_bar" />${nodes.join('')}</hierarchy>`;
}

describe('drive: the browser\'s network error page, read from the screen', () => {
  it('Chromium\'s net error page: the code it prints under the message', () => {
    const page = findErrorPage(source('No internet', 'There is something wrong with the proxy server, or the address is incorrect.', 'ERR_PROXY_CONNECTION_FAILED', 'Reload'));
    expect(page).to.deep.equal({ code: 'ERR_PROXY_CONNECTION_FAILED', text: 'example.com · No internet · There is something wrong with the proxy server, or the address is incorrect. · ERR_PROXY_CONNECTION_FAILED · Reload' });
  });

  it('a certificate interstitial (NET::ERR_…) and Android WebView\'s page (net::ERR_…)', () => {
    expect(findErrorPage(source('Your connection is not private', 'NET::ERR_CERT_AUTHORITY_INVALID'))?.code).to.equal('ERR_CERT_AUTHORITY_INVALID');
    expect(findErrorPage(source('Privacy error', 'NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED'))?.code).to.equal('ERR_CERTIFICATE_TRANSPARENCY_REQUIRED');
    const webview = findErrorPage(source('Webpage not available', 'The webpage at https://example.com/?phc=x could not be loaded because: net::ERR_CONNECTION_CLOSED'));
    expect(webview?.code).to.equal('ERR_CONNECTION_CLOSED');
    // A prefixed code Chromium added after this list was written still counts.
    expect(findErrorPage(source('net::ERR_SOMETHING_NEWER'))?.code).to.equal('ERR_SOMETHING_NEWER');
  });

  it('a page that loaded is no error page, nor is a bare word that is not a Chromium net error', () => {
    expect(findErrorPage(source('phonehome sink', 'phonehome capture sink: this page was answered by the capture sidecar, not the real site.'))).to.equal(undefined);
    expect(findErrorPage(source('ERR_MY_APP_CODE in the docs'))).to.equal(undefined);
    expect(findErrorPage('')).to.equal(undefined);
  });

  it('reads text and content-desc, unescaping XML', () => {
    expect(screenTexts('<a text="a &amp; b" content-desc="&#x4E2D;&quot;" /><b text="" />')).to.deep.equal(['a & b', '中"']);
  });
});
