import { defineSuite, expect } from '../harness/scenario/index.js';

/**
 * Forbes, 30 April 2020 (Cirlig, Tierney): Mi Browser, Mint Browser and Mi Browser Pro recorded
 * every URL visited and every search, in incognito mode too, and sent them to Xiaomi's Sensors
 * Analytics endpoint sa.api.intl.miui.com as base64 of gzip in a form field, with the phone model
 * beside them. Run it on the 2020 app versions (Mint 3.4.0, Mi Browser / Pro 12.1.3).
 *
 * Only published facts are asserted: the host (named by Xiaomi's own blog and in Mint 3.4.0's
 * code), the encoding (XDA's CyberChef recipe: URL decode → base64 → gunzip) and the model
 * ($model in the decoded evidence). MiStatistics' host was never published and is not asserted.
 */
const VENDOR = 'sa.api.intl.miui.com';
const VISITS = 2;
const SEARCHES = 2;

export default defineSuite(
  { name: 'forbes-2020', description: 'Visits and searches reach Xiaomi telemetry in normal and incognito mode (Forbes, 2020).' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        for (const browser of phone.browsers(['mi-browser', 'mint', 'mi-browser-pro'])) {
          for (const mode of ctx.modes) {
            it(`${browser} ${phone.appVersion(browser)} ${mode}: ${VISITS} visits and ${SEARCHES} searches reach ${VENDOR}, base64-encoded`, async () => {
              const b = await phone.openBrowser(browser, mode);
              const visits = [];
              const searches = [];
              for (let i = 0; i < VISITS; i++) visits.push(await b.visit());
              for (let i = 0; i < SEARCHES; i++) searches.push(await b.search());
              await b.close();
              // The Sensors SDK batches events and flushes them when the app goes to the background.
              await phone.sendToBackground();
              await phone.waitForTelemetry();
              for (const v of [...visits, ...searches]) {
                expect(v).to.have.leakedTo(VENDOR);
                expect(v).to.have.leakedIn('base64', VENDOR);
              }
            });
          }
        }

        // A describe of its own: mocha runs a suite's own tests before its child suites.
        describe('device identifiers', () => {
          it(`the phone model travelled to ${VENDOR} with them`, async () => {
            const model = phone.identifier('model');
            // Its leak, once seen, is final: the wait need not run to the last visit's window.
            await phone.waitForTelemetry({ untilLeaked: [model] });
            expect(model).to.have.reached(VENDOR);
          });
        });
      });
    }
  },
);
