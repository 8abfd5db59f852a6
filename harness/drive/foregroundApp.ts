import type { AdbDevice } from '../device/index.js';

/** The focused app (`dumpsys window`'s mCurrentFocus, else mFocusedApp), or null (launcher, keyguard). */
export async function foregroundApp(adb: AdbDevice): Promise<{ package: string; activity: string } | null> {
  const text = await adb.shell('dumpsys window displays');
  return parseFocus(text) ?? parseFocus(await adb.shell('dumpsys window'));
}

export function parseFocus(text: string): { package: string; activity: string } | null {
  for (const key of ['mCurrentFocus', 'mFocusedApp']) {
    const line = text.split('\n').find((l) => l.includes(`${key}=`));
    const match = line && /\s([A-Za-z0-9_.]+)\/([A-Za-z0-9_.$]+)/.exec(line.slice(line.indexOf(`${key}=`)));
    if (match) return { package: match[1], activity: match[2].startsWith('.') ? match[1] + match[2] : match[2] };
  }
  return null;
}
