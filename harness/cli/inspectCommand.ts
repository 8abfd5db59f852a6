import { resolveLauncherActivity } from '../drive/launcherActivity.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { locatorTableFileName, locatorTableFromScreen } from '../drive/browsers/locatorTableWriter.js';
import type { Locator, LocatorName } from '../drive/browsers/types.js';
import { remote } from 'webdriverio';
import type { Command } from './command.js';
import { parseCommandArgs, parsePort } from './command.js';
import { loadDevices, resolveDevicesFile, selectDevice } from '../config/index.js';
import { AdbClient, reachDevice, readAppVersions } from '../device/index.js';
import { PhonehomeError, UsageError } from '../errors.js';
import { appiumFor, SystemPortPool } from '../drive/appiumEndpoint.js';
import { endpointOptions, uiautomator2Capabilities } from '../drive/appiumCapabilities.js';
import { applyLocatorOverrides, browserProfile, LOCATOR_NAMES, profilePackages } from '../drive/browsers/index.js';
import { writeInspection } from '../drive/browserSession.js';
import { describeLocator, ElementFinder } from '../drive/elementFinder.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: "save a browser's page source and a screenshot, to fix a locator for a real app version",
  help: [
    'Usage: phonehome inspect <device> [--browser NAME] [--out DIR] [--write FILE]',
    '',
    'Opens an Appium session on the phone (with --browser: launches that browser first), saves the',
    'current page source (UiAutomator XML) and a screenshot, and lists which of the browser',
    "profile's locators match the screen now. With the XML, a locator for a real app version can",
    'be fixed in devices.json, e.g. "locators": { "mint": { "addressBar": "id:com.mi.globalbrowser.mini:id/url_bar" } }.',
    '',
    'Options:',
    '  --browser NAME   mi-browser, mint or mi-browser-pro (default: whatever is on screen)',
    '  --out DIR        where to save (default: reports/inspect)',
    '  --write FILE     with --browser: write a locator table of what matched (e.g.',
    '                   harness/drive/browsers/locators/<package>@<version>.json), to review and keep',
    '  --devices FILE   devices file (default: $PHONEHOME_DEVICES, else devices.json of this checkout)',
    '  --adb-port PORT  adb server port (default: $ANDROID_ADB_SERVER_PORT, else 5037)',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('inspect', argv, {
      browser: { type: 'string' },
      out: { type: 'string' },
      devices: { type: 'string' },
      'adb-port': { type: 'string' },
      write: { type: 'string' },
    }, { allowPositionals: true });
    if (values.write !== undefined && values.browser === undefined) throw new UsageError('phonehome inspect: --write needs --browser (the table is for one app version)');
    if (positionals.length !== 1) throw new UsageError("phonehome inspect: name one device (see 'phonehome inspect --help')");
    const file = await loadDevices(resolveDevicesFile(values.devices));
    const entry = selectDevice(file, positionals[0]);
    const adbPort = values['adb-port'] === undefined ? undefined : parsePort('inspect', 'adb-port', values['adb-port'], 5037);
    const client = new AdbClient({ port: adbPort });
    const { device, connectedByUs } = await reachDevice(client, entry);
    const profile = values.browser === undefined ? undefined : browserProfile(values.browser);
    let app: { package: string; version: string; activity?: string } | undefined;
    if (profile) {
      const candidates = profilePackages(profile, entry.packages);
      const installed = await readAppVersions(device, candidates);
      const found = candidates.find((p) => installed.some((a) => a.package === p));
      const version = installed.find((a) => a.package === found)?.version ?? 'unknown';
      if (!found) throw new PhonehomeError(`${profile.label} is not installed on ${entry.name} (looked for ${candidates.join(', ')})`);
      const activity = await resolveLauncherActivity(device, found);
      app = { package: found, version, ...(activity ? { activity } : {}) };
    }
    const outDir = path.resolve(values.out ?? path.join('reports', 'inspect'));
    const appium = await appiumFor(entry, { adbPort: client.port, logFile: path.join(outDir, 'appium.log') });
    try {
      const capabilities = await uiautomator2Capabilities({ entry, adb: device, systemPort: await new SystemPortPool().portFor(entry), app });
      const driver = await remote({ ...endpointOptions(appium.url), capabilities: capabilities as WebdriverIO.Capabilities, logLevel: 'silent', connectionRetryCount: 0 });
      try {
        const base = `${entry.name}-${profile?.name ?? 'screen'}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const saved = await writeInspection(outDir, base, await driver.getPageSource(), Buffer.from(await driver.takeScreenshot(), 'base64'));
        io.out(`page source: ${saved.pageSource}`);
        io.out(`screenshot:  ${saved.screenshot}`);
        if (profile && app) {
          const table = applyLocatorOverrides(profile.locators(app.package), entry.locators?.[profile.name], `devices.json device '${entry.name}' locators.${profile.name}`);
          const finder = new ElementFinder({ findElements: (using, value) => driver.findElements(using, value) as unknown as Promise<Array<Record<string, string>>> }, table);
          io.out(`${profile.label} locators on this screen (written for ${profile.writtenFor.join(', ')}):`);
          const matched: Array<[LocatorName, Locator]> = [];
          for (const name of LOCATOR_NAMES) {
            const found = await finder.find(name, 0);
            if (found) matched.push([name, found.locator]);
            io.out(`  ${name.padEnd(20)} ${found ? `found by ${describeLocator(found.locator)}` : `not on screen (tried ${table[name].map(describeLocator).join(' / ')})`}`);
          }
          if (values.write !== undefined) {
            const file = path.resolve(values.write);
            await mkdir(path.dirname(file), { recursive: true });
            await writeFile(file, JSON.stringify(locatorTableFromScreen(app.package, app.version, matched, `${entry.name} ${new Date().toISOString()}`), null, 2) + '\n');
            io.out(`locator table: ${file} (${matched.length} elements; unverified until reviewed; name it ${locatorTableFileName(app.package, app.version)})`);
          }
        }
      } finally {
        await driver.deleteSession().catch(() => undefined);
      }
    } finally {
      await appium.stop();
      if (connectedByUs) await client.disconnect(entry.serial);
    }
    return 0;
  },
};
