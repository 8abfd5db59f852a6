import * as chai from 'chai';
import type { Finding } from '../detect/index.js';
import { isJudgeable, type Judgeable, type Judgement } from './judgement.js';

/**
 * chai assertions over verdicts:
 *
 *   expect(visit).to.have.leakedTo('sa.api.intl.miui.com')   host, or any subdomain of it
 *   expect(visit).to.have.leakedTo(/(^|\.)miui\.com$/)
 *   expect(visit).to.not.have.leakedToThirdParty()
 *   expect(visit).to.have.leakedIn('base64')                 a decoding step of some finding
 *   expect(phone.identifier('imei')).to.have.reached('api.account.xiaomi.com')
 *
 * A negated assertion ("did not leak") needs an observed window: an `unobservable` verdict fails it
 * with the reasons, never passes it. Every failure names the evidence (host, endpoint, decoding chain).
 */

export type HostPattern = string | RegExp;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** Some finding of the subject's canaries went to a host matching the pattern. */
      leakedTo(host: HostPattern): Assertion;
      /** Same as leakedTo; reads better for identifiers. */
      reached(host: HostPattern): Assertion;
      /** Some finding went to a third party (not the visited site's registrable domain). */
      leakedToThirdParty(): Assertion;
      /** Some finding's decoding chain has this step (base64, gzip, form, json, hex, sha256 …). */
      leakedIn(encoding: string, host?: HostPattern): Assertion;
      /** The capture saw the subject's whole window (verdict is not unobservable). Cannot be negated. */
      observed(): Assertion;
    }
  }
}

export function hostMatches(host: string, pattern: HostPattern): boolean {
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0;
    return pattern.test(host);
  }
  const p = pattern.toLowerCase().replace(/^\*\./, '');
  const h = host.toLowerCase();
  return h === p || h.endsWith('.' + p);
}

/** The name of a decoding step: `form[data_list]` → form, `json[0].url` → json, `base64@3` → base64. */
export function stepName(step: string): string {
  return step.split(/[[\]:@(.\s]/, 1)[0]!.toLowerCase();
}

function judged(assertion: Chai.AssertionStatic, name: string): { subject: Judgeable; judgement: Judgement } {
  const subject: unknown = chai.util.flag(assertion, 'object');
  if (!isJudgeable(subject)) {
    throw new chai.AssertionError(`${name}() needs a visit or identifier from the scenario API (browser.visit(), phone.identifier()), got ${chai.util.inspect(subject)}`);
  }
  const judgement = subject.judgement();
  if (!judgement) {
    throw new chai.AssertionError(`${subject.describe()} has no verdict yet: call \`await phone.waitForTelemetry()\` after it and before asserting on it`);
  }
  return { subject, judgement };
}

function evidence(f: Finding): string {
  return `${f.canary.kind} '${clip(f.canary.value)}' to ${f.host}${f.path} (${f.party}) via ${f.chain.join(' → ')}`;
}

function evidenceList(findings: Finding[]): string {
  const shown = findings.slice(0, 3).map(evidence).join('; ');
  return findings.length > 3 ? `${shown}; and ${findings.length - 3} more` : shown;
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

/**
 * Runs one verdict assertion. `matching` are the findings that make the positive form true.
 * Negated + unobservable is a failure with the reasons; positive + unobservable without a match
 * fails with the reasons too (nothing was seen, and that proves nothing).
 */
function check(assertion: Chai.AssertionStatic, name: string, what: string, pick: (j: Judgement) => Finding[]): void {
  const { subject, judgement } = judged(assertion, name);
  const negated = Boolean(chai.util.flag(assertion, 'negate'));
  const matching = pick(judgement);
  const label = subject.describe();
  if (negated) {
    if (matching.length > 0) {
      throw new chai.AssertionError(`expected ${label} not to have leaked ${what}, but it did: ${evidenceList(matching)}`);
    }
    if (judgement.verdict === 'unobservable') {
      throw new chai.AssertionError(`cannot show that ${label} did not leak ${what}: its verdict is unobservable (${judgement.reasons.join('; ') || 'no reason given'})`);
    }
    return;
  }
  if (matching.length > 0) return;
  const seen = judgement.findings.length > 0 ? `it leaked only ${evidenceList(judgement.findings)}` : 'no flow carried it';
  const blind = judgement.verdict === 'unobservable' ? `; and part of the window was unobservable (${judgement.reasons.join('; ')})` : '';
  throw new chai.AssertionError(`expected ${label} to have leaked ${what}, but ${seen}${blind}`);
}

export const verdictAssertions: Chai.ChaiPlugin = (api) => {
  const leakedTo = function (this: Chai.AssertionStatic, host: HostPattern) {
    if (!(typeof host === 'string' && host.length > 0) && !(host instanceof RegExp)) {
      throw new TypeError(`leakedTo(host) needs a host name or a RegExp, got ${chai.util.inspect(host)}`);
    }
    check(this, 'leakedTo', `to ${String(host)}`, (j) => j.findings.filter((f) => hostMatches(f.host, host)));
  };
  api.Assertion.addMethod('leakedTo', leakedTo);
  api.Assertion.addMethod('reached', leakedTo);
  api.Assertion.addMethod('leakedToThirdParty', function (this: Chai.AssertionStatic) {
    check(this, 'leakedToThirdParty', 'to a third party', (j) => j.findings.filter((f) => f.party === 'third-party'));
  });
  api.Assertion.addMethod('leakedIn', function (this: Chai.AssertionStatic, encoding: string, host?: HostPattern) {
    if (typeof encoding !== 'string' || encoding.length === 0) throw new TypeError(`leakedIn(encoding) needs an encoding name such as 'base64', got ${chai.util.inspect(encoding)}`);
    const want = encoding.toLowerCase();
    check(this, 'leakedIn', `in ${encoding}${host ? ` to ${String(host)}` : ''}`, (j) =>
      j.findings.filter((f) => f.chain.some((s) => stepName(s) === want) && (host === undefined || hostMatches(f.host, host))),
    );
  });
  api.Assertion.addMethod('observed', function (this: Chai.AssertionStatic) {
    const { subject, judgement } = judged(this, 'observed');
    if (chai.util.flag(this, 'negate')) throw new TypeError('observed() cannot be negated: assert on the verdict instead');
    if (judgement.verdict === 'unobservable') {
      throw new chai.AssertionError(`expected the capture to have seen ${subject.describe()}, but it is unobservable (${judgement.reasons.join('; ') || 'no reason given'})`);
    }
  });
};

chai.use(verdictAssertions);

/** chai's expect with the verdict assertions installed. */
export const expect = chai.expect;

/** Used by the runner to tell an assertion failure (exit 1) from a harness failure (exit 2). */
export function isAssertionFailure(error: unknown): boolean {
  return error instanceof chai.AssertionError || (error instanceof Error && error.name === 'AssertionError');
}
