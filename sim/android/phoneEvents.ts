/**
 * Phone events that come from outside the phone, not from adb: an SMS arriving from the network,
 * a person signing in to an account, Wi-Fi being joined. Each is kept where Android keeps it (the
 * SMS provider's inbox, the account list) and broadcast to the apps, whose service telemetry may
 * react (profile triggers sms-received, account-added, wifi-connected).
 *
 * - SMS: the emulator console's `sms send <phonenumber> <text>` delivers an SMS "as if" from the
 *   network; the framework writes it to content://sms/inbox (developer.android.com/studio/run/
 *   emulator-console, "SMS emulation"). The control socket takes the same words (sim/EVIDENCE.md).
 * - Account: what a person does in Settings → Mi Account → sign in; Android lists it in
 *   `dumpsys account` as `Account {name=…, type=…}` (android.accounts.Account#toString). The
 *   Xiaomi account type `com.xiaomi` is unverified (chosen; see EVIDENCE.md).
 * - Wi-Fi: `svc wifi enable` (AOSP frameworks/base/cmds/svc WifiCommand, android-4.3_r1; the
 *   sim's svc sets global wifi_on) — turning it on from off is when the phone joins its network.
 */
import type { Row } from './contactsProvider.js';

/** Longest SMS body kept (a single GSM-7 SMS is 160 characters; concatenated ones are longer, bounded here). */
const MAX_BODY = 1600;
/** A sender is an address as the network gives it: digits with an optional '+', or a short alphanumeric sender id. */
const SENDER = /^(\+?[0-9]{3,20}|[A-Za-z0-9 -]{2,11})$/;

export class SmsInbox {
  private rows: Row[] = [];
  private nextId = 1;

  constructor(private readonly onReceived: (sms: { from: string; body: string }) => void) {}

  /** Delivers an SMS from the network; an error message when the sender is not an address. */
  deliver(from: string, body: string): { ok: true; id: number } | { error: string } {
    if (!SENDER.test(from)) return { error: `'${from}' is not a phone number or sender id` };
    const row: Row = { _id: this.nextId++, thread_id: 1, address: from, date: Date.now(), read: 0, type: 1, body: body.slice(0, MAX_BODY) };
    this.rows.push(row);
    this.onReceived({ from, body: String(row.body) });
    return { ok: true, id: Number(row._id) };
  }

  /** content://sms/inbox (and content://sms, which lists every box: here only the inbox has rows). */
  query(path: string): Row[] | null {
    if (path !== '' && path !== 'inbox') return null;
    return this.rows.map((r) => ({ ...r }));
  }
}

export class AccountList {
  private accounts: Array<{ name: string; type: string }> = [];

  constructor(private readonly onAdded: (account: { name: string; type: string }) => void) {}

  add(name: string, type: string): boolean {
    if (this.accounts.some((a) => a.name === name && a.type === type)) return false;
    this.accounts.push({ name, type });
    this.onAdded({ name, type });
    return true;
  }

  /** `dumpsys account`'s list, as the AccountManagerService prints it for user 0. */
  dump(): string {
    const lines = this.accounts.map((a) => `    Account {name=${a.name}, type=${a.type}}`);
    return `User UserInfo{0:Owner:13}:\n  Accounts: ${this.accounts.length}\n${lines.join('\n')}${lines.length ? '\n' : ''}\n  Active Sessions: 0\n`;
  }
}
