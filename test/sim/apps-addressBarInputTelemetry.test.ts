import { expect } from 'chai';
import type { TelemetryRule } from '../../sim/profile.js';
import { applyEncodeChain, checkEncodeChain, checkTelemetryRules, placePayload, renderTemplates, sensitiveInput } from '../../sim/apps/telemetry/index.js';
import { loadProfile } from '../../sim/profiles/index.js';

/**
 * The address bar's `input` telemetry (issue #16, Leith's scenario iv): each typed change is an
 * event with `${input.text}`; a suggestion service takes it as a URL query string; Chrome keeps
 * typed text it judges sensitive to itself (Chrome Privacy Whitepaper, June 2020).
 */
describe('sim/apps: address-bar input telemetry', () => {
  const rule: TelemetryRule = {
    name: 'suggest', when: 'input', url: 'https://www.google.com/complete/search', method: 'GET',
    fields: { client: 'chrome', q: '${input.text}' }, encode: ['form'], placement: { in: 'query-string' },
  };

  it('puts the form-encoded fields in the URL as its query string, the typed text as q', () => {
    const vars = new Map([['input.text', 'ph2jah oes&x=1']]);
    const payload = applyEncodeChain(renderTemplates(rule.fields, vars), rule.encode!);
    const request = placePayload(rule, payload, vars, 'UA');
    expect(request.method).to.equal('GET');
    expect(request.body).to.equal(undefined);
    const url = new URL(request.url);
    expect(url.pathname).to.equal('/complete/search');
    expect(url.searchParams.get('client')).to.equal('chrome');
    expect(url.searchParams.get('q')).to.equal('ph2jah oes&x=1');
  });

  it('refuses a query-string placement whose chain does not end in form, and input.text outside input rules', () => {
    expect(checkEncodeChain(['json'], { in: 'query-string' }, false)).to.match(/end the encode chain with 'form'/);
    expect(checkEncodeChain(['form'], { in: 'query-string' }, false)).to.equal(null);
    const device = loadProfile('redmi-note-8-2020').device;
    const app = { package: 'x.y', label: 'X', version: '1', activity: 'x.y.Main', telemetry: [{ ...rule, when: 'navigate' as const }, { ...rule, name: 'n2', when: 'navigate' as const, skipSensitiveInput: true }] };
    const problems = checkTelemetryRules(app, device, '/apps/0').map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(problems).to.match(/\$\{input\.text\} is only available to rules with when: input/);
    expect(problems).to.match(/skipSensitiveInput only applies to when: 'input'/);
  });

  it("judges sensitive what Chrome's whitepaper names: https URLs with a path or query, credentials; not hosts or words", () => {
    for (const t of ['https://news.example.org/story?phc=x', 'https://a.example/p', 'user@mail.example.org', 'https://u:p@a.example']) expect(sensitiveInput(t), t).to.equal(true);
    for (const t of ['ph2jahoesxceyrsajn2p.news.example.org', 'https://news.example.org', 'https://news.example.org/', 'http://a.example/p', 'phonehome 6oej7biq']) expect(sensitiveInput(t), t).to.equal(false);
  });

  it('the 2020 Redmi Note 8 asks for suggestions from each Xiaomi browser in normal mode only (a stated choice), and its Chrome as documented', () => {
    const profile = loadProfile('redmi-note-8-2020');
    // The browsers: MIUI's own analytics service (kind service) has no address bar.
    for (const app of profile.apps.filter((a) => (a.kind ?? 'browser') === 'browser')) {
      const suggest = app.telemetry.filter((r) => r.when === 'input');
      expect(suggest, app.package).to.have.length(1);
      expect(suggest[0]!.modes).to.deep.equal(['normal']);
      expect(suggest[0]!.skipSensitiveInput ?? false, app.package).to.equal(app.package === 'com.android.chrome');
    }
    expect(profile.description).to.match(/Search suggestions \(chosen, not published\)/);
    expect(loadProfile('clean-control').apps.every((a) => a.telemetry.length === 0)).to.equal(true);
  });
});
