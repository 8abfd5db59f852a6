import { defineSuite, expect } from '../harness/scenario/index.js';

/**
 * Xiaomi's fix of 4 May 2020 (Mi Browser / Mi Browser Pro 12.1.4, Mint 3.4.3): a switch in
 * incognito mode ("Enhanced Incognito Mode", later "Help us improve …"). Collection stayed on by
 * default; with the switch turned off, incognito visits and searches must reach no third party.
 * Normal mode was not changed by the fix and still reports visits. Run it on the updated versions.
 */
const VENDOR = 'sa.api.intl.miui.com';

export default defineSuite(
  { name: 'forbes-2020-fixed', description: 'With the incognito-data switch off, incognito visits no longer leak (Xiaomi fix, May 2020).' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        for (const browser of phone.browsers(['mi-browser', 'mint', 'mi-browser-pro'])) {
          describe(`${browser} ${phone.appVersion(browser)}`, () => {
            if (ctx.modes.includes('incognito')) {
              it('incognito with the switch off: visits and a search reach no third party', async () => {
                const b = await phone.openBrowser(browser, 'incognito', { incognitoDataSwitch: 'off' });
                const made = [await b.visit(), await b.visit(), await b.search()];
                await b.close();
                // Going to the background flushes whatever the app batched.
                await phone.sendToBackground();
                await phone.waitForTelemetry();
                for (const v of made) expect(v).to.not.have.leakedToThirdParty();
              });
            }
            if (ctx.modes.includes('normal')) {
              it(`normal mode (untouched by the fix): a visit still reaches ${VENDOR}`, async () => {
                const b = await phone.openBrowser(browser, 'normal');
                const v = await b.visit();
                await b.close();
                await phone.sendToBackground();
                await phone.waitForTelemetry();
                expect(v).to.have.leakedTo(VENDOR);
              });
            }
          });
        }
      });
    }
  },
);
