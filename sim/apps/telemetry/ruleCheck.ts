import type { AppProfile, DeviceProfile, TelemetryRule, TelemetryTrigger } from '../../profile.js';
import { checkEncodeChain } from './encodeChain.js';
import { payloadPlaceholders } from './placement.js';
import { placeholdersIn } from './templates.js';

/** A problem in one app's telemetry rules; `path` is a JSON pointer inside the profile. */
export interface RuleProblem {
  path: string;
  message: string;
}

const eventNames: Record<string, TelemetryTrigger[] | 'any'> = {
  'visit.url': ['navigate', 'search'],
  'visit.requestedUrl': ['navigate', 'search'],
  'visit.host': ['navigate', 'search'],
  'visit.title': ['navigate'],
  'search.query': ['search'],
  'search.engine': ['search'],
  'input.text': ['input'],
  'contact.number': ['contact-added'],
  'contact.name': ['contact-added'],
  'ui.event': ['system-ui'],
  'ui.name': ['system-ui'],
  'sms.from': ['sms-received'],
  'account.name': ['account-added'],
  'account.type': ['account-added'],
  'feed.title': ['feed-view'],
  'feed.url': ['feed-view'],
  'feed.position': ['feed-view'],
  'share.url': ['share'],
  'share.title': ['share'],
  'share.target': ['share'],
  'download.url': ['download'],
  'download.fileName': ['download'],
  'download.mimeType': ['download'],
};

const alwaysNames = ['app.package', 'app.label', 'app.version', 'app.versionCode', 'app.uuid', 'mode', 'incognito', 'now', 'seq', 'random'];

/** The placeholder names a rule for `trigger` may use on this device. */
export function knownPlaceholders(trigger: TelemetryTrigger, device: DeviceProfile): string[] {
  const names = [...alwaysNames];
  for (const [key, value] of Object.entries(device)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') names.push(`device.${key}`);
  }
  for (const key of Object.keys(device.extraProps ?? {})) names.push(`prop.${key}`);
  if (device.screen) names.push('device.screen.width', 'device.screen.height', 'device.screen.density');
  for (const [name, triggers] of Object.entries(eventNames)) if (triggers === 'any' || triggers.includes(trigger)) names.push(name);
  return names;
}

/**
 * Checks what a JSON Schema cannot: placeholder names (and that the event provides them), encode
 * chain kinds against the placement, interval and batch settings, and that rules sharing a batch
 * queue agree on where and how they send.
 */
export function checkTelemetryRules(app: AppProfile, device: DeviceProfile, appPath: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const queues = new Map<string, { rule: TelemetryRule; index: number }>();
  app.telemetry.forEach((rule, index) => {
    const at = `${appPath}/telemetry/${index}`;
    const known = new Set(knownPlaceholders(rule.when, device));
    const check = (value: unknown, base: string, extra: readonly string[] = []) => {
      for (const { name, path } of placeholdersIn(value, base)) {
        if (known.has(name) || extra.includes(name)) continue;
        const triggers = eventNames[name];
        const message = triggers && triggers !== 'any'
          ? `\${${name}} is only available to rules with when: ${triggers.join(' or ')} (this rule fires on '${rule.when}')`
          : `unknown placeholder \${${name}} (known: ${[...known].filter((n) => !n.startsWith('prop.')).join(', ')})`;
        problems.push({ path, message });
      }
    };
    check(rule.fields, `${at}/fields`);
    check(rule.url, `${at}/url`);
    check(rule.headers ?? {}, `${at}/headers`);
    if (rule.placement.in === 'form-field') check(rule.placement.extra ?? {}, `${at}/placement/extra`, payloadPlaceholders);

    try {
      const url = new URL(rule.url.replace(/\$\{[^}]*\}/g, 'x'));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: `${at}/url`, message: `must be an http:// or https:// URL, got ${url.protocol}` });
    } catch {
      problems.push({ path: `${at}/url`, message: `not a valid URL: '${rule.url}'` });
    }
    const chain = checkEncodeChain(rule.encode ?? [], rule.placement, rule.batch !== undefined);
    if (chain) problems.push({ path: `${at}/encode`, message: chain });
    if (rule.when === 'interval' && !rule.intervalMs) problems.push({ path: `${at}/intervalMs`, message: "rules with when: 'interval' need intervalMs (milliseconds between sends)" });
    if (rule.when !== 'interval' && rule.intervalMs !== undefined) problems.push({ path: `${at}/intervalMs`, message: `intervalMs only applies to when: 'interval' (this rule fires on '${rule.when}')` });
    if (rule.batch && rule.batch.events === undefined && rule.batch.ms === undefined) problems.push({ path: `${at}/batch`, message: 'batch needs events, ms or both (otherwise it would never be sent)' });
    if (rule.silencedBySwitch && !app.incognitoDataSwitch) problems.push({ path: `${at}/silencedBySwitch`, message: `the app ${app.package} ${app.version} has no incognitoDataSwitch to silence this rule: add one to the app or remove silencedBySwitch` });
    if (rule.skipSensitiveInput && rule.when !== 'input') problems.push({ path: `${at}/skipSensitiveInput`, message: `skipSensitiveInput only applies to when: 'input' (this rule fires on '${rule.when}')` });
    if (rule.modes && rule.modes.length === 0) problems.push({ path: `${at}/modes`, message: 'modes is empty, so the rule never fires: list normal and/or incognito, or remove the rule' });
    if (rule.batch?.queue) {
      const first = queues.get(rule.batch.queue);
      if (!first) queues.set(rule.batch.queue, { rule, index });
      else {
        const same = (r: TelemetryRule) => JSON.stringify([r.url, r.method ?? null, r.encode ?? [], r.placement, r.trustsUserCAs ?? null, r.headers ?? {}, r.batch?.events ?? null, r.batch?.ms ?? null]);
        if (same(first.rule) !== same(rule)) {
          problems.push({ path: `${at}/batch/queue`, message: `shares queue '${rule.batch.queue}' with telemetry/${first.index} ('${first.rule.name}') but differs in url, method, encode, placement, trustsUserCAs, headers or batch size: make them equal or use another queue` });
        }
      }
    }
  });
  const names = new Map<string, number>();
  app.telemetry.forEach((rule, index) => {
    const previous = names.get(rule.name);
    if (previous !== undefined) problems.push({ path: `${appPath}/telemetry/${index}/name`, message: `duplicate rule name '${rule.name}' (also telemetry/${previous})` });
    names.set(rule.name, index);
  });
  return problems;
}
