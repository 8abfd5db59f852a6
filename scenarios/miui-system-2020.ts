import { defineSuite, expect } from '../harness/scenario/index.js';
import type { ScenarioScreen, ScenarioSystemUi } from '../harness/scenario/index.js';

/**
 * MIUI itself (Forbes, 30 April 2020, Cirlig's Redmi Note 8): besides the browsers, the phone
 * "recorded what folders he opened and to which screens he swiped, including the status bar and
 * the settings page", and the data went to Xiaomi's servers. The suite does those four things the
 * way a person does (a tap on a folder, a sideways swipe on the launcher, a swipe down from the
 * status bar, Settings opened) and asserts that the name of each thing shown, as the screen names
 * it, reached a Xiaomi host.
 *
 * Only the published fact is asserted: the names reached Xiaomi (a host under miui.com or
 * xiaomi.com). Which host, which fields and which encoding MIUI used were not published, so none is
 * asserted; the report shows where each name went and how it was encoded.
 *
 * PHONEHOME_MIUI_FOLDER: the folder to open (its name as the launcher shows it); default the first
 * icon the launcher describes as a folder (an unverified description on real phones: name it there).
 */
const XIAOMI = /(^|\.)(miui|xiaomi)\.com$/;
const FOLDER = process.env.PHONEHOME_MIUI_FOLDER || undefined;

export default defineSuite(
  { name: 'miui-system-2020', description: 'MIUI records folders opened, home screens swiped to, the status bar and the Settings page (Forbes, 2020).' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        /** Does `act` on the phone's system layer, waits for what it caused to reach the capture, and asserts its name reached Xiaomi. */
        const reported = async (act: (ui: ScenarioSystemUi) => Promise<ScenarioScreen>, after?: (ui: ScenarioSystemUi) => Promise<void>) => {
          const ui = await phone.systemUi();
          const shown = await act(ui);
          await after?.(ui);
          // A leak seen is final: the wait ends as soon as the name is found on a flow.
          await phone.waitForTelemetry({ untilLeaked: [shown] });
          expect(shown).to.have.reached(XIAOMI);
        };

        it('the name of a folder opened on the home screen reaches Xiaomi', () =>
          reported(async (ui) => {
            await ui.home();
            return ui.openFolder(FOLDER);
          }, (ui) => ui.back()));

        it('the home screen swiped to reaches Xiaomi', () =>
          reported(async (ui) => {
            await ui.home();
            return ui.swipeHomeScreen('next');
          }));

        it('the status bar shade pulled down reaches Xiaomi', () =>
          reported((ui) => ui.pullDownStatusBar(), (ui) => ui.back()));

        it('the Settings page opened reaches Xiaomi', () =>
          reported((ui) => ui.openSettings(), async (ui) => {
            await ui.back();
          }));
      });
    }
  },
);
