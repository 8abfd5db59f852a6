import { defineSuite, expect } from '../harness/scenario/index.js';

/**
 * The same browser code on other phones (Forbes, 30 April 2020): Cirlig downloaded the firmware of
 * the Mi 10, the Redmi K20 and the Mi MIX 3 and "confirmed they had the same browser code", and
 * the Mi A1 (Android One) was among the phones tested — the published decoded payload is a Mi A1's.
 * Run it over a farm of them (`--device tag:same-browser-code-2020`: each phone its own pool, so
 * every phone runs every test): in every Xiaomi browser on every phone, a visit in each mode reaches
 * Xiaomi's Sensors endpoint, and each phone's own model travels with it.
 */
const VENDOR = 'sa.api.intl.miui.com';

export default defineSuite(
  { name: 'browser-code-matrix-2020', description: 'Every phone × Xiaomi browser × mode of a farm: a visit reaches sa.api.intl.miui.com with the phone’s own model (Forbes, 2020).' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        for (const browser of phone.browsers(['mi-browser', 'mint', 'mi-browser-pro'])) {
          for (const mode of ctx.modes) {
            it(`${browser} ${phone.appVersion(browser) ?? ''} ${mode}: a visit reaches ${VENDOR}`, async () => {
              const b = await phone.openBrowser(browser, mode);
              const visit = await b.visit();
              await b.close();
              await phone.sendToBackground();
              await phone.waitForTelemetry();
              expect(visit).to.have.leakedTo(VENDOR);
            });
          }
        }
        describe('device identifiers', () => {
          it(`this phone's own model travelled to ${VENDOR}`, async () => {
            await phone.waitForTelemetry();
            expect(phone.identifier('model')).to.have.reached(VENDOR);
          });
        });
      });
    }
  },
);
