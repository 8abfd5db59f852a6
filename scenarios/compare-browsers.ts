import { defineSuite, expect } from '../harness/scenario/index.js';
import type { ScenarioVisit } from '../harness/scenario/index.js';

/**
 * The researchers called Xiaomi's browsers "more invasive than Chrome or Safari" (Forbes, 30 April
 * 2020). The same visit and search in every browser on the phone, Chrome the control: the report's
 * "By browser" table shows side by side which hosts received visited URLs, searches and
 * identifiers from each. Asserted: Xiaomi's browsers send both to their Sensors endpoint (published);
 * Chrome sends neither to any Xiaomi host (Google's Chrome Privacy Whitepaper names no such
 * destination; what Chrome does send, typed text to its search engine, shows in the table).
 */
const VENDOR = 'sa.api.intl.miui.com';
const XIAOMI_HOSTS = /(^|\.)(miui\.com|xiaomi\.com|xiaomi\.net)$/;
const XIAOMI_BROWSERS = ['mi-browser', 'mint', 'mi-browser-pro'];

export default defineSuite(
  { name: 'compare-browsers', description: "The same visit and search in each Xiaomi browser and in Chrome, side by side: Xiaomi's reach Xiaomi, Chrome's do not." },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        for (const browser of phone.browsers([...XIAOMI_BROWSERS, 'chrome'])) {
          const xiaomi = XIAOMI_BROWSERS.includes(browser);
          for (const mode of ctx.modes) {
            const claim = xiaomi ? `reach ${VENDOR}` : 'reach no Xiaomi host';
            it(`${browser} ${phone.appVersion(browser) ?? ''} ${mode}: a visit and a search ${claim}`, async () => {
              let visit: ScenarioVisit | undefined;
              let search: ScenarioVisit | undefined;
              await phone.step(`${browser} ${mode}: a visit and a search`, async () => {
                const b = await phone.openBrowser(browser, mode);
                visit = await b.visit();
                search = await b.search();
                await b.close();
                await phone.sendToBackground();
                await phone.waitForTelemetry();
              });
              for (const v of [visit!, search!]) {
                if (xiaomi) expect(v).to.have.leakedTo(VENDOR);
                else expect(v).to.not.have.leakedTo(XIAOMI_HOSTS);
              }
            });
          }
        }
      });
    }
  },
);
