import type { Locator } from './browsers/types.js';

/**
 * Where the browsers' other events are started on screen (issue #16): the Home button and the news
 * feed of the start page, the menu's Share entry and a target of the share panel, the download
 * dialog. None of these ids or texts is published for the real apps (real-device-notes row 8): this
 * is the project's model, as the simulated Mi browsers show it, and every entry is unverified on a
 * real phone; `phonehome inspect` shows a real screen to correct it.
 */
export type EventLocatorName = 'homeButton' | 'feedItemTitle' | 'menuShare' | 'shareTarget' | 'downloadTitle' | 'downloadAccept';

/** The share target the harness picks: it sends nothing anywhere by itself (the link goes to the clipboard). */
export const SHARE_TARGET = 'Copy link';
export const DOWNLOAD_DIALOG_TITLE = 'Download file';

export function eventLocators(pkg: string): Record<EventLocatorName, Locator[]> {
  const id = (name: string): Locator => ({ strategy: 'id', value: `${pkg}:id/${name}` });
  return {
    homeButton: [id('home_button'), { strategy: 'accessibility id', value: 'Home' }],
    feedItemTitle: [id('feed_title')],
    menuShare: [id('menu_share'), { strategy: 'text', value: 'Share' }],
    shareTarget: [{ strategy: 'text', value: SHARE_TARGET }],
    downloadTitle: [{ strategy: 'xpath', value: `//*[@resource-id='android:id/alertTitle' and @text='${DOWNLOAD_DIALOG_TITLE}']` }],
    downloadAccept: [{ strategy: 'xpath', value: "//*[@resource-id='android:id/button1' and @text='Download']" }],
  };
}
