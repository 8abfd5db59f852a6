import { expect } from 'chai';
import { loadProfile } from '../../sim/profiles/index.js';

/**
 * The phones Forbes named beside the Redmi Note 8 (Mi 10, Redmi K20, Mi MIX 3: "the same browser
 * code"; the Mi A1 of the published payload) are profiles whose browsers send exactly what the
 * Redmi Note 8's do, from their own device facts.
 */
describe('sim/profiles: the other phones of 2020 run the same browser code', () => {
  const note8 = loadProfile('redmi-note-8-2020');
  const rulesOf = (p: ReturnType<typeof loadProfile>, pkg: string) => JSON.stringify(p.apps.find((a) => a.package === pkg)?.telemetry);

  for (const [name, model] of [['mi-10-2020', 'Mi 10'], ['redmi-k20-2020', 'Redmi K20'], ['mi-mix-3-2020', 'Mi MIX 3'], ['mi-a1-2020', 'Mi A1']] as const) {
    it(`${name}: a ${model} whose Xiaomi browsers carry the Redmi Note 8's telemetry rules, and its own identity`, () => {
      const p = loadProfile(name);
      expect(p.device.model).to.equal(model);
      for (const pkg of ['com.mi.globalbrowser.mini', 'com.mi.globalbrowser']) {
        expect(rulesOf(p, pkg), `${name} ${pkg}`).to.equal(rulesOf(note8, pkg));
        expect(p.apps.find((a) => a.package === pkg)!.userAgent).to.include(`${model} Build/${p.device.extraProps!['ro.build.id']}`);
      }
      for (const key of ['imei', 'androidId', 'serial', 'phoneNumber', 'wifiMac'] as const) expect(p.device[key], key).to.not.equal(note8.device[key]);
      expect(p.description).to.match(/Not published, chosen here/);
    });
  }

  it('the Mi A1 is the published payload’s phone: Android One 9, its build, region and screen; no MIUI, no preloaded Mi Browser', () => {
    // The decoded XDA evidence payload (shared/reference/mint-3.4.0-sensors-payload.json, every event).
    const facts = { $model: 'Mi A1', $os_version: '9', miui_version: 'V10.0.13.0.PDHMIXM', miui_region: 'GB', $screen_width: 1080, $screen_height: 1920 };
    const a1 = loadProfile('mi-a1-2020');
    expect(a1.device.model).to.equal(facts.$model);
    expect(a1.device.release).to.equal(facts.$os_version);
    expect(a1.device.extraProps!['ro.build.version.incremental']).to.equal(facts.miui_version);
    expect(a1.device.miuiRegion).to.equal(facts.miui_region);
    expect([a1.device.screen!.width, a1.device.screen!.height]).to.deep.equal([facts.$screen_width, facts.$screen_height]);
    expect(a1.device.miuiVersion).to.equal(undefined);
    expect(a1.apps.map((a) => a.package)).to.not.include('com.android.browser');
  });
});
