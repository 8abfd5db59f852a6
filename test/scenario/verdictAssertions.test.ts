import { expect as chaiExpect } from 'chai';
import type { Finding } from '../../harness/detect/types.js';
import { expect, type Judgeable, type Judgement } from '../../harness/scenario/index.js';

/** A subject as the scenario API hands them out: a description and the detector's judgement. */
function subject(judgement: Judgement | undefined, label = 'visit v1 (redmi, mint, incognito, https://news.example.org/a)'): Judgeable {
  return { describe: () => label, judgement: () => judgement };
}

function finding(host: string, party: Finding['party'], chain: string[]): Finding {
  return {
    canary: { kind: 'visit-url', value: 'https://news.example.org/a', visitId: 'v1' },
    flowId: 'f1', host, path: '/sa', party, chain,
    excerpt: { text: 'x', start: 0, end: 1 },
  };
}

const leaked: Judgement = {
  verdict: 'leaked', reasons: [],
  findings: [
    finding('news.example.org', 'first-party', ['url']),
    finding('sa.api.intl.miui.com', 'third-party', ['body', 'form[data_list]', 'base64', 'gzip', 'json[0].properties.url']),
    // As detect names compressions now: how it was known follows the name.
    finding('tracking.intl.miui.com', 'third-party', ['body', 'brotli (probed)', 'json.u']),
  ],
};
const clean: Judgement = { verdict: 'not-leaked', reasons: [], findings: [finding('news.example.org', 'first-party', ['url'])] };
const blind: Judgement = { verdict: 'unobservable', reasons: ['tls-rejected (sa.api.intl.miui.com): the app refused the capture certificate'], findings: [] };

describe('verdict assertions', () => {
  it('leakedTo matches a host, its subdomains, or a RegExp, and names the evidence when negated', () => {
    expect(subject(leaked)).to.have.leakedTo('sa.api.intl.miui.com');
    expect(subject(leaked)).to.have.leakedTo('miui.com');
    expect(subject(leaked)).to.have.leakedTo(/\.miui\.com$/);
    expect(subject(leaked)).to.not.have.leakedTo('xiaomi.com');
    chaiExpect(() => expect(subject(leaked)).to.have.leakedTo('api.miui.com.evil')).to.throw(/to have leaked to api.miui.com.evil, but it leaked only/);
    chaiExpect(() => expect(subject(leaked)).to.not.have.leakedTo('miui.com')).to.throw(
      /not to have leaked to miui.com, but it did: visit-url 'https:\/\/news.example.org\/a' to sa.api.intl.miui.com\/sa \(third-party\) via body → form\[data_list\] → base64 → gzip/,
    );
  });

  it('leakedToThirdParty ignores first-party traffic', () => {
    expect(subject(leaked)).to.have.leakedToThirdParty();
    expect(subject(clean)).to.not.have.leakedToThirdParty();
    chaiExpect(() => expect(subject(clean)).to.have.leakedToThirdParty()).to.throw(/to have leaked to a third party/);
  });

  it('an unobservable verdict fails "did not leak" with the reason, and never proves a leak', () => {
    chaiExpect(() => expect(subject(blind)).to.not.have.leakedToThirdParty()).to.throw(
      /cannot show that visit v1 .* did not leak to a third party: its verdict is unobservable \(tls-rejected \(sa.api.intl.miui.com\): the app refused/,
    );
    chaiExpect(() => expect(subject(blind)).to.not.have.leakedTo('miui.com')).to.throw(/unobservable/);
    chaiExpect(() => expect(subject(blind)).to.have.leakedTo('miui.com')).to.throw(/no flow carried it; and part of the window was unobservable \(tls-rejected/);
    chaiExpect(() => expect(subject(blind)).to.be.observed()).to.throw(/unobservable/);
    expect(subject(clean)).to.be.observed();
  });

  it('leakedIn looks for a decoding step by name, optionally to a host', () => {
    expect(subject(leaked)).to.have.leakedIn('base64');
    expect(subject(leaked)).to.have.leakedIn('gzip', 'sa.api.intl.miui.com');
    expect(subject(leaked)).to.have.leakedIn('form');
    expect(subject(leaked)).to.not.have.leakedIn('hex');
    expect(subject(leaked)).to.have.leakedIn('brotli', 'tracking.intl.miui.com');
    expect(subject(leaked)).to.not.have.leakedIn('brotli', 'sa.api.intl.miui.com');
    chaiExpect(() => expect(subject(leaked)).to.have.leakedIn('base64', 'news.example.org')).to.throw(/in base64 to news.example.org/);
  });

  it('refuses subjects without a verdict yet, and values that are not subjects', () => {
    chaiExpect(() => expect(subject(undefined)).to.have.leakedTo('miui.com')).to.throw(/has no verdict yet: call `await phone.waitForTelemetry\(\)`/);
    chaiExpect(() => expect(subject(undefined)).to.not.have.leakedToThirdParty()).to.throw(/has no verdict yet/);
    chaiExpect(() => expect({ url: 'https://x' }).to.have.leakedTo('miui.com')).to.throw(/needs a visit or identifier from the scenario API/);
    chaiExpect(() => expect(subject(leaked)).to.have.leakedTo('' as string)).to.throw(TypeError);
  });
});
