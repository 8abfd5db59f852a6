import { defineSuite, expect } from '../harness/scenario/index.js';

/**
 * One visit per browser and mode: checks that a phone is reachable, provisioned (proxy + CA) and
 * captured. Asserts nothing about leaks, only that the capture saw each visit.
 */
export default defineSuite(
  { name: 'smoke', description: 'One visit per browser: the phone, its provisioning and the capture work.' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        const browsers = phone.browsers();
        it('has at least one known browser installed', () => {
          expect(browsers, `no known browser on ${phone.name}`).to.not.be.empty;
        });
        for (const browser of browsers) {
          it(`${browser} ${phone.appVersion(browser)}: a visit is captured`, async () => {
            const b = await phone.openBrowser(browser, ctx.modes[0]!);
            const visit = await b.visit();
            await b.close();
            await phone.waitForTelemetry();
            expect(visit).to.be.observed();
          });
        }
      });
    }
  },
);
