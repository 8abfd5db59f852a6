import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BROWSER_PROFILES, browserProfile, describeLocatorStatus, LOCATOR_NAMES, locatorStatus, locatorTableFor, readLocatorTable, versionInRange, LOCATOR_TABLE_DIR } from '../../harness/drive/browsers/index.js';
import { readdirSync } from 'node:fs';
import { locatorTableFileName, locatorTableFromScreen } from '../../harness/drive/browsers/locatorTableWriter.js';

describe('drive: per-version locator tables live in data files', () => {
  it('version ranges: "3.4.x" covers 3.4.0 and 3.4.3, not 3.5.0; an exact version only itself', () => {
    expect(versionInRange('3.4.0', '3.4.x')).to.equal(true);
    expect(versionInRange('3.4.3', '3.4.x')).to.equal(true);
    expect(versionInRange('3.5.0', '3.4.x')).to.equal(false);
    expect(versionInRange('12.1.3', '12.1.3')).to.equal(true);
    expect(versionInRange('12.1.3.1', '12.1.3')).to.equal(false);
  });

  it('every shipped profile version has a table; evidence-backed ids come first for the address bar', () => {
    for (const profile of BROWSER_PROFILES) {
      for (const version of profile.writtenFor) {
        const pkg = profile.packages[0]!;
        const found = locatorTableFor(pkg, version, profile.locators(pkg));
        expect(found, `${pkg}@${version}`).to.not.equal(undefined);
      }
    }
    const pro = locatorTableFor('com.mi.globalbrowser', '12.1.3', browserProfile('mi-browser-pro').locators('com.mi.globalbrowser'))!;
    expect(pro.table.addressBarDisplay[0]).to.deep.equal({ strategy: 'id', value: 'com.mi.globalbrowser:id/search_hint' });
    expect(pro.table.addressBar[0]).to.deep.equal({ strategy: 'id', value: 'com.mi.globalbrowser:id/url' });
    expect(pro.verified).to.include.members(['addressBar', 'addressBarDisplay', 'dialogAccept']);
    expect(pro.verified).to.not.include('menuButton');
    const mint = locatorTableFor('com.mi.globalbrowser.mini', '3.4.0', browserProfile('mint').locators('com.mi.globalbrowser.mini'))!;
    expect(mint.table.addressBar[0]).to.deep.equal({ strategy: 'id', value: 'com.mi.globalbrowser.mini:id/url_bar' });
    expect(mint.table.addressBar.at(-1)).to.deep.equal({ strategy: 'xpath', value: "//android.widget.EditText[@package='com.mi.globalbrowser.mini']" });
  });

  it('never an unverified id as the only way: each element has a cited locator or a text / content-description / class fallback', () => {
    for (const name of readdirSync(LOCATOR_TABLE_DIR)) {
      const file = readLocatorTable(path.join(LOCATOR_TABLE_DIR, name));
      for (const element of LOCATOR_NAMES) {
        const entries = file.locators[element] ?? [];
        expect(entries.length, `${name} ${element}`).to.be.greaterThan(0);
        const ok = entries.some((e) => e.source !== undefined && !e.unverified) || entries.some((e) => e.id === undefined);
        expect(ok, `${name} ${element}: only unverified ids`).to.equal(true);
      }
    }
  });

  it('`phonehome devices` says per browser how far its locators are verified for the installed version', () => {
    const mint = browserProfile('mint');
    const covered = locatorStatus(mint, 'com.mi.globalbrowser.mini', '3.4.3');
    expect(covered.table).to.match(/com\.mi\.globalbrowser\.mini@3\.4\.x\.json$/);
    expect(covered.verified).to.include.members(['addressBar', 'addressBarDisplay']);
    expect(covered.unverified).to.include('menuIncognito'); // no public source names Mint's incognito entry
    expect(covered.state).to.equal('partly');
    expect(describeLocatorStatus(covered, '3.4.3')).to.equal(`locators ${covered.verified.length}/${LOCATOR_NAMES.length} verified`);
    // A version no table covers runs on the profile's model alone: unverified, and said so.
    const newer = locatorStatus(mint, 'com.mi.globalbrowser.mini', '3.5.0');
    expect(newer).to.deep.include({ state: 'unverified', verified: [] });
    expect(newer.table).to.equal(undefined);
    expect(describeLocatorStatus(newer, '3.5.0')).to.equal('locators unverified: no table for 3.5.0');
  });

  it('a broken table is one line naming the file, the entry and the fix', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-locators-'));
    try {
      await writeFile(path.join(dir, 'com.example@1.x.json'), JSON.stringify({ package: 'com.example', versions: '1.x', origin: 'test', locators: { addressBar: [{ id: 'url', text: 'x' }] } }));
      expect(() => locatorTableFor('com.example', '1.0', browserProfile('mint').locators('com.example'), dir)).to.throw(/com\.example@1\.x\.json: locators\.addressBar\[0\]: each locator needs exactly one of id, desc, text, xpath \(got id, text\); fix the entry/);
      await writeFile(path.join(dir, 'com.example@1.x.json'), JSON.stringify({ package: 'com.example', versions: '1.x', origin: 'test', locators: { urlBar: [{ id: 'url' }] } }));
      expect(() => locatorTableFor('com.example', '1.0', browserProfile('mint').locators('com.example'), dir)).to.throw(/locators\.urlBar: unknown element/);
      await writeFile(path.join(dir, 'com.example@1.x.json'), JSON.stringify({ package: 'com.example', versions: '1.x', origin: 'test', locators: { addressBar: [{ id: 'url' }] } }));
      expect(locatorTableFor('com.example', '1.2', browserProfile('mint').locators('com.example'), dir)?.table.addressBar[0]).to.deep.equal({ strategy: 'id', value: 'com.example:id/url' });
      expect(locatorTableFor('com.example', '2.0', browserProfile('mint').locators('com.example'), dir)).to.equal(undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('inspect --write: a table of what matched on screen, all unverified, that the loader reads back', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-locators-'));
    try {
      const pkg = 'com.mi.globalbrowser.mini';
      const written = locatorTableFromScreen(pkg, '3.4.9', [
        ['addressBar', { strategy: 'id', value: `${pkg}:id/url_bar` }],
        ['menuButton', { strategy: 'accessibility id', value: 'More options' }],
      ], 'redmi 2026-12-02T18:00:00Z');
      expect(written.locators.addressBar).to.deep.equal([{ id: 'url_bar', unverified: true }]);
      expect(locatorTableFileName(pkg, '3.4.9')).to.equal('com.mi.globalbrowser.mini@3.4.9.json');
      await writeFile(path.join(dir, locatorTableFileName(pkg, '3.4.9')), JSON.stringify(written));
      const fallback = browserProfile('mint').locators(pkg);
      const read = locatorTableFor(pkg, '3.4.9', fallback, dir)!;
      expect(read.table.addressBar).to.deep.equal([{ strategy: 'id', value: `${pkg}:id/url_bar` }]);
      expect(read.table.menuButton).to.deep.equal([{ strategy: 'accessibility id', value: 'More options' }]);
      expect(read.table.settingsTitle).to.deep.equal(fallback.settingsTitle);
      expect(read.verified).to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
