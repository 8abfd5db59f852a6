import { defineSuite, expect } from '../harness/scenario/index.js';

/**
 * The nightly regression suite: in every browser's incognito mode, as the phone ships (no setting
 * touched), no visit and no search may reach any third party. A failure names the host, the
 * endpoint and the decoding chain; an unobservable visit fails too, with the reason.
 */
export default defineSuite(
  { name: 'incognito-guard', description: 'No incognito visit or search reaches any third party.' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        for (const browser of phone.browsers()) {
          it(`${browser} ${phone.appVersion(browser)} incognito: two visits and a search reach no third party`, async () => {
            const b = await phone.openBrowser(browser, 'incognito');
            const made = [await b.visit(), await b.visit(), await b.search()];
            await b.close();
            // Going to the background flushes whatever the app batched.
            await phone.sendToBackground();
            await phone.waitForTelemetry();
            for (const v of made) expect(v).to.not.have.leakedToThirdParty();
          });
        }
      });
    }
  },
);
