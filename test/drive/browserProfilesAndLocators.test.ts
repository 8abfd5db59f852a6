import { expect } from 'chai';
import {
  applyLocatorOverrides, BROWSER_PROFILES, browserProfile, carriesTerms, LOCATOR_NAMES, parseLocator, profilePackages, sameUrl, toSelector,
} from '../../harness/drive/index.js';

describe('drive: browser profiles and locators', () => {
  it('has a profile for Mi Browser, Mint, Mi Browser Pro and the Chrome control with their packages and the versions they were written for', () => {
    expect(BROWSER_PROFILES.map((p) => p.name)).to.deep.equal(['mi-browser', 'mint', 'mi-browser-pro', 'chrome']);
    expect(browserProfile('chrome').packages).to.deep.equal(['com.android.chrome']);
    expect(browserProfile('mint').packages).to.deep.equal(['com.mi.globalbrowser.mini']);
    expect(browserProfile('mi-browser-pro').packages).to.deep.equal(['com.mi.globalbrowser']);
    for (const profile of BROWSER_PROFILES) {
      // No hard-coded activity: the launcher entry is resolved on the phone (launcherActivity.ts).
      expect(profile).to.not.have.property('activity');
      expect(profile.writtenFor.length).to.be.greaterThan(0);
      // Chrome has no incognito-data switch: incognito never reports there.
      if (profile.name !== 'chrome') expect(profile.incognitoDataSwitchLabels).to.include('Enhanced Incognito Mode');
    }
    expect(() => browserProfile('safari')).to.throw(/no browser profile 'safari' \(browsers: mi-browser, mint, mi-browser-pro, chrome\)/);
  });

  it('locates every element by resource-id first, for the package actually installed', () => {
    const table = browserProfile('mint').locators('com.mi.globalbrowser.mini');
    for (const name of LOCATOR_NAMES) {
      expect(table[name][0].strategy, name).to.equal('id');
    }
    expect(table.addressBar[0].value).to.equal('com.mi.globalbrowser.mini:id/url_bar');
    expect(table.goButton.map((l) => l.strategy)).to.deep.equal(['id', 'accessibility id']);
    expect(table.menuIncognito.map((l) => l.strategy)).to.deep.equal(['id', 'text', 'text']);
    expect(table.dialogAccept[0].value).to.equal('android:id/button1');
  });

  it('puts devices.json overrides first and names an unknown element', () => {
    const base = browserProfile('mint').locators('com.mi.globalbrowser.mini');
    const table = applyLocatorOverrides(base, { addressBar: 'id:com.mi.globalbrowser.mini:id/url_bar', goButton: 'desc:Open' }, 'devices.json');
    expect(table.addressBar[0]).to.deep.equal({ strategy: 'id', value: 'com.mi.globalbrowser.mini:id/url_bar' });
    expect(table.addressBar.slice(1)).to.deep.equal(base.addressBar);
    expect(table.goButton[0]).to.deep.equal({ strategy: 'accessibility id', value: 'Open' });
    expect(() => applyLocatorOverrides(base, { urlBar: 'id:x' }, "device 'p' locators.mint")).to.throw(/device 'p' locators\.mint: locator override 'urlBar' names no element/);
  });

  it('parses the override forms and maps text locators to an XPath Appium understands', () => {
    expect(parseLocator('text:Agree')).to.deep.equal({ strategy: 'text', value: 'Agree' });
    expect(parseLocator('xpath://a[@b="c:d"]')).to.deep.equal({ strategy: 'xpath', value: '//a[@b="c:d"]' });
    expect(parseLocator('uiautomator:new UiSelector().text("Go")')).to.deep.equal({ strategy: '-android uiautomator', value: 'new UiSelector().text("Go")' });
    expect(() => parseLocator('css:.x')).to.throw(/unknown kind 'css'/);
    expect(toSelector({ strategy: 'text', value: 'Agree' })).to.deep.equal({ using: 'xpath', value: '//*[@text="Agree"]' });
    expect(toSelector({ strategy: 'text', value: 'Say "hi"' }).value).to.equal(`//*[@text='Say "hi"']`);
    expect(toSelector({ strategy: 'accessibility id', value: 'Go' })).to.deep.equal({ using: 'accessibility id', value: 'Go' });
  });

  it('takes a package override for a regional build', () => {
    expect(profilePackages(browserProfile('mi-browser'), { 'mi-browser': 'com.mi.globalbrowser.global' })).to.deep.equal(['com.mi.globalbrowser.global', 'com.android.browser']);
  });

  it('checks what the address bar shows: the same page, and search URLs carrying the terms', () => {
    const wanted = new URL('https://news.example.org/a?ph=tok_1');
    expect(sameUrl('https://news.example.org/a?ph=tok_1', wanted)).to.equal(true);
    expect(sameUrl('https://news.example.org/a/?ph=tok_1', wanted)).to.equal(true);
    expect(sameUrl('https://news.example.org/a?ph=tok_2', wanted)).to.equal(false);
    expect(sameUrl('http://news.example.org/a?ph=tok_1', wanted)).to.equal(false);
    expect(sameUrl('news.example.org/a?ph=tok_1', wanted)).to.equal(false);
    expect(carriesTerms('https://www.google.com/search?q=purple+elephant+42', 'purple elephant 42')).to.equal(true);
    expect(carriesTerms('https://duckduckgo.com/?q=purple%20elephant%2042&t=h_', 'purple elephant 42')).to.equal(true);
    expect(carriesTerms('https://www.google.com/search?q=other', 'purple elephant 42')).to.equal(false);
  });
});
