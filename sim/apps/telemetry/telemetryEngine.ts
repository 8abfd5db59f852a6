import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AppProfile, DeviceProfile, TelemetryRule, TelemetryTrigger } from '../../profile.js';
import type { NetworkStack } from '../../net/index.js';
import { NetError } from '../../net/index.js';
import { BatchQueue } from './batchQueue.js';
import { applyEncodeChain } from './encodeChain.js';
import { placePayload } from './placement.js';
import { renderTemplates, type TemplateValue, type TemplateVars } from './templates.js';

/** What happened that may fire rules; which parts are set depends on the trigger. */
export interface TelemetryEvent {
  visit?: { url: string; requestedUrl?: string; host: string; title?: string };
  search?: { query: string; engine?: string };
  contact?: { number: string; name?: string };
  /** A received SMS (sms-received): the sender's number. */
  sms?: { from: string };
  /** An account signed in on the phone (account-added). */
  account?: { name: string; type: string };
  /** The address bar's text after a keystroke or a paste. */
  input?: { text: string };
  /** What the MIUI system layer showed (sim/apps/systemUi.ts): folder-opened, home-screen, status-bar, settings-opened, and its name. */
  ui?: { event: string; name: string };
  /** A news-feed item on screen (position from 1, top first). */
  feed?: { title: string; url: string; position: number };
  /** A page shared, and to which target of the share panel. */
  share?: { url: string; title: string; target: string };
  /** A download the user accepted. */
  download?: { url: string; fileName: string; mimeType: string };
}

/** The event groups with no defaults to fill: each field goes to the templates under its own name. */
const PLAIN_EVENT_GROUPS = ['input', 'ui', 'feed', 'share', 'download', 'sms', 'account'] as const satisfies ReadonlyArray<keyof TelemetryEvent>;

export interface TelemetryAppState {
  mode: 'normal' | 'incognito';
  /** The app's incognito-data switch, when its version has one. */
  incognitoDataSwitchOn?: boolean;
}

export interface TelemetryEngineOptions {
  app: AppProfile;
  device: DeviceProfile;
  net: NetworkStack;
  state: () => TelemetryAppState;
  /** Per-install facts: the permanent install id (reset by `pm clear`), the process id, the next event number. */
  installId: () => string;
  pid: () => number | undefined;
  nextSeq: () => number;
  /** `${device.androidId}`: Settings.Secure.ANDROID_ID as this app reads it (its SSAID on Android 8+); default the profile's. */
  androidId?: () => string;
  /** User-Agent of the app's Java HTTP stack (what an SDK's HttpURLConnection sends). */
  userAgent: string;
  /** logcat (PhoneContext.log). */
  log: (priority: number, tag: string, message: string, pid?: number) => void;
  /** Queue bound per SDK queue. */
  maxQueuedEvents?: number;
  now?: () => number;
}

export interface TelemetryEngineEvents {
  queued: [{ rule: string; trigger: TelemetryTrigger }];
  silenced: [{ rule: string; trigger: TelemetryTrigger; why: 'mode' | 'switch' | 'sensitive' }];
  sent: [{ rules: string[]; events: number; url: string; method: string; status: number }];
  failed: [{ rules: string[]; events: number; url: string; error: string; trustFailure: boolean }];
}

interface QueuedEvent {
  rule: TelemetryRule;
  fields: unknown;
  vars: TemplateVars;
}

/**
 * One app's telemetry: fires the profile's rules on triggers, honours modes and the incognito-data
 * switch, renders fields, batches per SDK queue, encodes, places and sends through the phone's
 * network stack with the endpoint's own CA trust. Failures are logged by the stack and reported as
 * `failed` events; nothing is retried (so a rejected handshake stays a rejected handshake).
 */
export class TelemetryEngine extends EventEmitter<TelemetryEngineEvents> {
  private readonly options: TelemetryEngineOptions;
  private readonly queues = new Map<string, BatchQueue<QueuedEvent>>();
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: TelemetryEngineOptions) {
    super();
    this.options = options;
  }

  /** Fires every rule for `trigger`; returns how many were queued or sent. */
  fire(trigger: TelemetryTrigger, event: TelemetryEvent = {}): number {
    let fired = 0;
    for (const rule of this.options.app.telemetry) {
      if (rule.when === trigger && this.fireRule(rule, event)) fired++;
    }
    return fired;
  }

  /** Starts the timers of `interval` rules (while the app's process runs). Idempotent. */
  startIntervals(): void {
    if (this.intervals.length > 0) return;
    for (const rule of this.options.app.telemetry) {
      if (rule.when !== 'interval' || !rule.intervalMs) continue;
      const timer = setInterval(() => this.fireRule(rule, {}), rule.intervalMs);
      timer.unref();
      this.intervals.push(timer);
    }
  }

  stopIntervals(): void {
    for (const timer of this.intervals.splice(0)) clearInterval(timer);
  }

  /** Sends every queued batch now (background, force-stop). Resolves when those sends settle. */
  async flush(): Promise<void> {
    for (const queue of this.queues.values()) queue.flush();
    await this.whenIdle();
  }

  /** Resolves when no send is in flight. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops timers and drops queued events (the phone is shutting down). */
  stop(): void {
    this.stopIntervals();
    for (const queue of this.queues.values()) queue.discard();
  }

  /** Events waiting in SDK queues. */
  queuedEvents(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.size;
    return n;
  }

  private fireRule(rule: TelemetryRule, event: TelemetryEvent): boolean {
    const state = this.options.state();
    if (!(rule.modes ?? ['normal', 'incognito']).includes(state.mode)) {
      this.emit('silenced', { rule: rule.name, trigger: rule.when, why: 'mode' });
      return false;
    }
    if (rule.skipSensitiveInput && event.input && sensitiveInput(event.input.text)) {
      this.emit('silenced', { rule: rule.name, trigger: rule.when, why: 'sensitive' });
      return false;
    }
    if (rule.silencedBySwitch && state.mode === 'incognito' && state.incognitoDataSwitchOn === false) {
      this.emit('silenced', { rule: rule.name, trigger: rule.when, why: 'switch' });
      return false;
    }
    const vars = this.variables(event, state);
    const queued: QueuedEvent = { rule, fields: renderTemplates(rule.fields, vars), vars };
    this.emit('queued', { rule: rule.name, trigger: rule.when });
    if (!rule.batch) {
      this.send([queued], false);
      return true;
    }
    const key = rule.batch.queue ?? `rule:${rule.name}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new BatchQueue<QueuedEvent>(
        { events: rule.batch.events, ms: rule.batch.ms, maxEvents: this.options.maxQueuedEvents ?? 1000 },
        (events) => this.send(events, true),
      );
      this.queues.set(key, queue);
    }
    queue.add(queued);
    return true;
  }

  private send(events: QueuedEvent[], batched: boolean): void {
    const first = events[0]!;
    const rule = first.rule; // rules sharing a queue agree on url/encode/placement (checked at load)
    const rules = [...new Set(events.map((e) => e.rule.name))];
    const last = events[events.length - 1]!;
    const promise = (async () => {
      let url = rule.url;
      try {
        const payload = applyEncodeChain(batched ? events.map((e) => e.fields) : first.fields, rule.encode ?? []);
        const request = placePayload(rule, payload, last.vars, this.options.userAgent);
        url = request.url;
        const response = await this.options.net.request({
          url: request.url,
          method: request.method,
          headers: request.headers,
          body: request.body,
          trustsUserCAs: endpointTrustsUserCAs(rule, this.options.app, this.options.device),
          userAgent: this.options.userAgent,
          client: 'java',
          logTag: rule.name.slice(0, 23),
          pid: this.options.pid(),
        });
        this.emit('sent', { rules, events: events.length, url: request.url, method: request.method, status: response.status });
      } catch (error) {
        if (!(error instanceof NetError)) {
          // Not a network failure (the stack logs those): a placement that cannot carry the value.
          this.options.log(6, rule.name.slice(0, 23), `telemetry rule '${rule.name}' not sent: ${error instanceof Error ? error.message : String(error)}`, this.options.pid());
        }
        this.emit('failed', {
          rules,
          events: events.length,
          url,
          error: error instanceof Error ? error.message : String(error),
          trustFailure: error instanceof NetError && error.isTrustFailure,
        });
      }
    })();
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private variables(event: TelemetryEvent, state: TelemetryAppState): TemplateVars {
    const { app, device } = this.options;
    const vars = new Map<string, TemplateValue>();
    for (const [key, value] of Object.entries(device)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') vars.set(`device.${key}`, value);
    }
    if (this.options.androidId) vars.set('device.androidId', this.options.androidId());
    for (const [key, value] of Object.entries(device.extraProps ?? {})) vars.set(`prop.${key}`, value);
    if (device.screen) {
      vars.set('device.screen.width', device.screen.width);
      vars.set('device.screen.height', device.screen.height);
      vars.set('device.screen.density', device.screen.density);
    }
    vars.set('app.package', app.package);
    vars.set('app.label', app.label);
    vars.set('app.version', app.version);
    vars.set('app.versionCode', app.versionCode ?? 1);
    vars.set('app.uuid', this.options.installId());
    vars.set('mode', state.mode);
    vars.set('incognito', state.mode === 'incognito');
    vars.set('now', (this.options.now ?? Date.now)());
    vars.set('seq', this.options.nextSeq());
    vars.set('random', crypto.randomBytes(4).readInt32BE(0));
    if (event.visit) {
      vars.set('visit.url', event.visit.url);
      vars.set('visit.requestedUrl', event.visit.requestedUrl ?? event.visit.url);
      vars.set('visit.host', event.visit.host);
      vars.set('visit.title', event.visit.title ?? '');
    }
    if (event.search) {
      vars.set('search.query', event.search.query);
      vars.set('search.engine', event.search.engine ?? '');
    }
    if (event.contact) {
      vars.set('contact.number', event.contact.number);
      vars.set('contact.name', event.contact.name ?? '');
    }
    // Groups whose every field is a template variable as it is: `${group.field}`.
    for (const group of PLAIN_EVENT_GROUPS) {
      for (const [field, value] of Object.entries(event[group] ?? {})) vars.set(`${group}.${field}`, value);
    }
    return vars;
  }
}

/** Typed text Chrome keeps to itself: an https URL with a path or query, or credentials before a host. */
export function sensitiveInput(text: string): boolean {
  const t = text.trim();
  if (/^[^\s/@]+@[^\s/]+\.[^\s/]+/.test(t) || /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(t)) return true;
  const https = /^https:\/\/[^/?#\s]+([/?#].*)?$/i.exec(t);
  return https !== null && https[1] !== undefined && https[1] !== '/' && https[1] !== '';
}

/**
 * Whether an endpoint's TLS trusts user CAs: its own setting, else the app's, else Android's
 * default — trusted before Android 7 (API 24), not trusted from 7 on.
 */
export function endpointTrustsUserCAs(rule: Pick<TelemetryRule, 'trustsUserCAs'>, app: Pick<AppProfile, 'trustsUserCAs'>, device: Pick<DeviceProfile, 'sdk'>): boolean {
  return rule.trustsUserCAs ?? app.trustsUserCAs ?? device.sdk < 24;
}
