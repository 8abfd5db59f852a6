import { defineSuite, expect } from '../harness/scenario/index.js';

/**
 * Forbes, 30 April 2020 (Cirlig, Tierney), the browsers' other events: besides visits and searches,
 * Mi Browser, Mint and Mi Browser Pro reported the news-feed items viewed, and (in the published
 * code's event list, findings.md F1) the URL of a download and the URL of a share — in incognito too.
 *
 * Published and asserted: that these reach Xiaomi's Sensors endpoint sa.api.intl.miui.com. Not
 * published, so not asserted: the events' names and other fields, and how a feed item counts as
 * viewed (the simulated profile's description states what it chose).
 *
 * Each event's canary is one nothing else reports: the feed's titles are never page-loaded; the
 * downloaded file is not a page (no page-load event); the shared page's own load events are sent
 * (the app is backgrounded) before the share, so the vendor receiving its URL again after the
 * share began is the share event itself.
 */
const VENDOR = 'sa.api.intl.miui.com';

export default defineSuite(
  { name: 'forbes-2020-events', description: 'News-feed items viewed, and the URLs of a download and of a share, reach Xiaomi telemetry (Forbes, 2020).' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        for (const browser of phone.browsers(['mi-browser', 'mint', 'mi-browser-pro'])) {
          for (const mode of ctx.modes) {
            it(`${browser} ${phone.appVersion(browser)} ${mode}: the news feed viewed, a download and a share reach ${VENDOR}`, async () => {
              let b = await phone.openBrowser(browser, mode);
              const feed = await b.newsFeed();
              const page = await b.visit();
              await b.close();
              // The Sensors SDK flushes its batch when the app goes to the background: the page's own events go now.
              await phone.sendToBackground();
              await phone.waitForTelemetry();
              expect(page).to.have.leakedTo(VENDOR);

              b = await phone.openBrowser(browser, mode);
              const share = await b.share();
              const download = await b.download();
              await b.close();
              await phone.sendToBackground();
              await phone.waitForTelemetry();

              expect(feed).to.have.leakedTo(VENDOR);
              expect(feed).to.have.leakedIn('base64', VENDOR);
              expect(download).to.have.leakedTo(VENDOR);
              expect(download).to.have.leakedIn('base64', VENDOR);
              expect(share).to.have.leakedTo(VENDOR);
              const sentByTheShare = share.judgement()!.findings.filter((f) => f.host === VENDOR && f.time !== undefined && f.time >= share.record.t0);
              expect(sentByTheShare, `${share.describe()}: the shared URL did not reach ${VENDOR} again after the share began (only its page load's events carried it)`).to.not.be.empty;
            });
          }
        }
      });
    }
  },
);
