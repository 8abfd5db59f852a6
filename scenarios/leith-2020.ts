import { defineSuite, expect } from '../harness/scenario/index.js';
import type { ScenarioPhone, ScenarioStep, ScenarioVisit } from '../harness/scenario/index.js';

/**
 * Leith's method ("Web Browser Privacy: What Do Browsers Say When They Phone Home?", 2020/2021),
 * per browser and in the default configuration (normal mode): (i) first start after a fresh
 * install (`pm clear`), (ii) close and reopen, (iii) paste a URL into the address bar and press
 * Enter, (iv) type a URL letter by letter (a browser whose suggestion service is asked on each
 * keystroke sends every prefix: each one is a canary), (v) leave the browser idle. Each scenario is
 * a step: the report's table lists, per step, the hosts the phone contacted and what each received.
 *
 * Only published facts are asserted: every visited URL reaches Xiaomi's Sensors endpoint (Forbes,
 * 2020; Mint 3.4.0's code). What the browsers send at first start, on reopening, while typing and
 * when idle was not published for Xiaomi's browsers: those steps assert that the capture saw all of
 * them (so the table is complete), and the table shows what went where.
 *
 * Idle time: PHONEHOME_LEITH_IDLE_MS (default 60000; Leith's idle period was longer and its exact
 * length is not stated).
 */
const VENDOR = 'sa.api.intl.miui.com';
const IDLE_MS = idleMs(process.env.PHONEHOME_LEITH_IDLE_MS);

function idleMs(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 60_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 24 * 3600_000) throw new Error(`PHONEHOME_LEITH_IDLE_MS must be a whole number of milliseconds from 0 to 86400000, got '${raw}'`);
  return n;
}

/** Lets what the step caused reach the capture: the Sensors SDK flushes when the app goes to the background. */
async function settle(phone: ScenarioPhone): Promise<void> {
  await phone.sendToBackground();
  await phone.waitForTelemetry();
}

function expectObserved(step: ScenarioStep): void {
  expect(step.observed, `the capture did not see all of '${step.name}': ${step.reasons.join('; ')}`).to.equal(true);
}

export default defineSuite(
  { name: 'leith-2020', description: "Leith's five scenarios per browser (first start, reopen, paste a URL, type a URL, idle): which hosts each contacted and what they received; visited URLs reach Xiaomi." },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        for (const browser of phone.browsers(['mi-browser', 'mint', 'mi-browser-pro'])) {
          describe(`${browser} ${phone.appVersion(browser) ?? ''}`.trim(), () => {
            it('(i) first start after a fresh install (pm clear): every host it contacted was seen', async () => {
              const step = await phone.step(`${browser} (i) first start after a fresh install`, async () => {
                const b = await phone.openBrowser(browser, 'normal', { fresh: true });
                await b.close();
                await settle(phone);
              });
              expectObserved(step);
            });

            it('(ii) close and reopen: every host it contacted was seen', async () => {
              const step = await phone.step(`${browser} (ii) close and reopen`, async () => {
                const b = await phone.openBrowser(browser, 'normal', { restart: true });
                await b.close();
                await settle(phone);
              });
              expectObserved(step);
            });

            it(`(iii) paste a URL and press Enter: the URL reaches ${VENDOR}`, async () => {
              let visit: ScenarioVisit | undefined;
              await phone.step(`${browser} (iii) paste a URL and press Enter`, async () => {
                const b = await phone.openBrowser(browser, 'normal');
                visit = await b.visit();
                await b.close();
                await settle(phone);
              });
              expect(visit!).to.have.leakedTo(VENDOR);
            });

            it(`(iv) type a URL letter by letter: the URL reaches ${VENDOR}, and each keystroke prefix that reached a backend is listed`, async () => {
              let visit: ScenarioVisit | undefined;
              await phone.step(`${browser} (iv) type a URL letter by letter`, async () => {
                const b = await phone.openBrowser(browser, 'normal');
                visit = await b.type();
                await b.close();
                await settle(phone);
              });
              expect(visit!).to.have.leakedTo(VENDOR);
            });

            it(`(v) leave it idle (${IDLE_MS / 1000} s): every host it contacted was seen`, async function () {
              this.timeout(IDLE_MS + 120_000);
              const step = await phone.step(`${browser} (v) idle ${IDLE_MS / 1000} s`, async () => {
                const b = await phone.openBrowser(browser, 'normal');
                await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
                await b.close();
                await phone.waitForTelemetry();
              });
              expectObserved(step);
            });
          });
        }
      });
    }
  },
);
