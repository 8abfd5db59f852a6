import type { Handler } from './context.js';

/**
 * toybox `date` (Android 10+): `date [-u] [+FORMAT]`, strftime conversions, in the phone's zone
 * (`persist.sys.timezone`, which bionic's localtime reads), default format
 * "%a %b %e %H:%M:%S %Z %Y" (toybox toys/posix/date.c). Setting the clock needs root and is
 * refused for the shell as `date: cannot set date: Operation not permitted` (settimeofday EPERM).
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAYS_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Civil {
  year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number;
  /** Minutes east of UTC. */
  offset: number;
  zone: string;
}

/** Wall-clock fields of `when` in the IANA zone `tz` (UTC when the zone is unknown, as bionic falls back to GMT). */
export function civilTime(when: Date, tz: string): Civil {
  let zone = tz;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short', timeZoneName: 'short' }).formatToParts(when);
  } catch {
    zone = 'UTC';
    parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short', timeZoneName: 'short' }).formatToParts(when);
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const civil = { year: Number(get('year')), month: Number(get('month')), day: Number(get('day')), hour: Number(get('hour')) % 24, minute: Number(get('minute')), second: Number(get('second')) };
  const asUtc = Date.UTC(civil.year, civil.month - 1, civil.day, civil.hour, civil.minute, civil.second);
  const offset = Math.round((asUtc - Math.floor(when.getTime() / 1000) * 1000) / 60000);
  // Intl names zones like "GMT+1"; tzdata abbreviations (BST, CET) are what bionic prints.
  let name = get('timeZoneName');
  if (zone === 'UTC' || zone === 'Etc/UTC') name = 'UTC';
  else if (/^GMT[+-]/.test(name) || name === 'GMT') name = tzAbbreviation(zone, offset) ?? name;
  return { ...civil, weekday: DAYS.indexOf(get('weekday')), offset, zone: name };
}

/** tzdata abbreviations for the zones the shipped profiles use; others keep Intl's GMT±h form (unverified). */
function tzAbbreviation(zone: string, offset: number): string | undefined {
  const table: Record<string, Record<number, string>> = {
    'Europe/London': { 0: 'GMT', 60: 'BST' },
    'Europe/Berlin': { 60: 'CET', 120: 'CEST' },
    'Europe/Paris': { 60: 'CET', 120: 'CEST' },
    'Asia/Shanghai': { 480: 'CST' },
    'America/New_York': { [-300]: 'EST', [-240]: 'EDT' },
  };
  return table[zone]?.[offset];
}

export function strftime(format: string, when: Date, tz: string): string {
  const t = civilTime(when, tz);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const s2 = (n: number) => String(n).padStart(2, ' ');
  const yday = Math.round((Date.UTC(t.year, t.month - 1, t.day) - Date.UTC(t.year, 0, 1)) / 86400000) + 1;
  const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  const off = `${t.offset < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(t.offset) / 60))}${p2(Math.abs(t.offset) % 60)}`;
  const conv: Record<string, () => string> = {
    a: () => DAYS[t.weekday]!, A: () => DAYS_LONG[t.weekday]!, b: () => MONTHS[t.month - 1]!, h: () => MONTHS[t.month - 1]!,
    B: () => MONTHS_LONG[t.month - 1]!, C: () => p2(Math.floor(t.year / 100)), d: () => p2(t.day), e: () => s2(t.day),
    D: () => `${p2(t.month)}/${p2(t.day)}/${p2(t.year % 100)}`, F: () => `${t.year}-${p2(t.month)}-${p2(t.day)}`,
    H: () => p2(t.hour), I: () => p2(h12), j: () => String(yday).padStart(3, '0'), k: () => s2(t.hour), l: () => s2(h12),
    m: () => p2(t.month), M: () => p2(t.minute), n: () => '\n', N: () => String(when.getMilliseconds() * 1_000_000).padStart(9, '0'),
    p: () => (t.hour < 12 ? 'AM' : 'PM'), P: () => (t.hour < 12 ? 'am' : 'pm'), r: () => `${p2(h12)}:${p2(t.minute)}:${p2(t.second)} ${t.hour < 12 ? 'AM' : 'PM'}`,
    R: () => `${p2(t.hour)}:${p2(t.minute)}`, s: () => String(Math.floor(when.getTime() / 1000)), S: () => p2(t.second), t: () => '\t',
    T: () => `${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}`, u: () => String(t.weekday === 0 ? 7 : t.weekday), w: () => String(t.weekday),
    y: () => p2(t.year % 100), Y: () => String(t.year), z: () => off, Z: () => t.zone, '%': () => '%',
    c: () => `${DAYS[t.weekday]} ${MONTHS[t.month - 1]} ${s2(t.day)} ${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)} ${t.year}`,
  };
  // An unknown conversion is copied as written (bionic strftime).
  return format.replace(/%(.)/g, (whole, c: string) => (conv[c] ? conv[c]!() : whole));
}

export const date: Handler = async (ctx) => {
  let utc = false;
  let format: string | undefined;
  for (const arg of ctx.args) {
    if (arg === '-u') utc = true;
    else if (arg.startsWith('+')) format = arg.slice(1);
    else if (arg.startsWith('-')) {
      await ctx.err(`date: Unknown option '${arg.replace(/^-+/, '')}' (see "date --help")\n`);
      return 1;
    } else {
      // An operand sets the clock (MMDDhhmm[[CC]YY][.ss]): settimeofday needs CAP_SYS_TIME.
      if (ctx.cred.uid !== 0) {
        await ctx.err('date: cannot set date: Operation not permitted\n');
        return 1;
      }
      await ctx.err('date: setting the clock of the simulated phone is not supported\n');
      return 1;
    }
  }
  const tz = utc ? 'UTC' : (ctx.device.props.get('persist.sys.timezone') || 'UTC');
  await ctx.out(strftime(format ?? '%a %b %e %H:%M:%S %Z %Y', new Date(), tz) + '\n');
  return 0;
};
