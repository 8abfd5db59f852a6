import { defineSuite, expect, hostMatches } from '../harness/scenario/index.js';
import type { ScenarioIdentifier, ScenarioPhone, ScenarioStep } from '../harness/scenario/index.js';

type IdentifierName = Parameters<ScenarioPhone['identifier']>[0];

/**
 * The Redmi 1S after the opt-in OTA of August 2014 (Hugo Barra's answer; F-Secure's re-test):
 * 1. Without a Mi account nothing is sent: a contact is added and an SMS arrives, and no flow goes
 *    to a Xiaomi host. "Nothing" must be seen: the step must be observed end to end (heartbeats,
 *    route probes through the phone's own proxy route, no blind spot), and each value's verdict is
 *    `not-leaked` only under the same rule — an unobserved window fails these tests, never passes.
 * 2. After a Mi Cloud sign-in, IMSI, IMEI and phone number go base64-encoded over HTTPS to
 *    api.account.xiaomi.com.
 * 3. MiCloud connects to Xiaomi's cloud servers when the phone joins Wi-Fi: the hosts contacted
 *    while joining are reported by destination (the report's steps and "Where the data went" tables).
 * Run it on the Redmi 1S with the OTA (profile redmi-1s-2014-ota).
 */
const VENDOR = 'api.account.xiaomi.com';
/** Xiaomi's own domains (account, MiCloud, MIUI). */
const XIAOMI = /(^|\.)(xiaomi\.com|xiaomi\.net|miui\.com|mi\.com)$/i;
const SIGN_IN_VALUES: IdentifierName[] = ['imsi', 'imei', 'phoneNumber'];

function xiaomiHosts(step: ScenarioStep): string[] {
  return [...step.hosts.keys()].filter((host) => XIAOMI.test(host));
}

function expectObserved(step: ScenarioStep): void {
  expect(step.observed, `the capture did not see all of '${step.name}', so "nothing sent" is not shown: ${step.reasons.join('; ')}`).to.equal(true);
}

/** Whether some finding of `subject` to `host` travelled over TLS; the evidence names the flows otherwise. */
function overHttps(subject: ScenarioIdentifier, host: string): void {
  const findings = (subject.judgement()?.findings ?? []).filter((f) => hostMatches(f.host, host));
  expect(findings, `${subject.describe()} did not reach ${host} at all`).to.not.be.empty;
  const plain = findings.filter((f) => !f.connection?.tls);
  expect(plain.map((f) => `${f.host}${f.path} (HTTP ${f.connection?.httpVersion ?? '?'}, no TLS)`), `${subject.describe()} travelled in clear to ${host}`).to.deep.equal([]);
}

export default defineSuite(
  { name: 'fsecure-2014-ota', description: 'Redmi 1S after the 2014 OTA: nothing reaches Xiaomi without a Mi account (observed); after a Mi Cloud sign-in IMSI, IMEI and number go base64 over HTTPS to api.account.xiaomi.com; joining Wi-Fi, MiCloud connects to its servers.' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        describe('without a Mi account', () => {
          let contact: ScenarioIdentifier;
          let sender: ScenarioIdentifier;
          let step: ScenarioStep;

          before(async () => {
            step = await phone.step('after the OTA, no Mi account: a contact added, an SMS received', async () => {
              contact = await phone.addContact();
              sender = await phone.receiveSms();
              await phone.waitForTelemetry();
            });
          });

          it('the capture saw the whole step (so "nothing sent" is an observation)', () => {
            expectObserved(step);
          });

          it('no flow went to a Xiaomi host', () => {
            expectObserved(step);
            expect(xiaomiHosts(step), 'Xiaomi hosts contacted').to.deep.equal([]);
          });

          for (const name of ['imei', 'phoneNumber', 'imsi', 'carrier'] as const) {
            it(`the ${name} did not reach Xiaomi`, () => {
              expect(phone.identifier(name)).to.not.have.reached(XIAOMI);
            });
          }

          it("neither the new contact's number nor the SMS sender's reached Xiaomi", () => {
            expect(contact).to.not.have.reached(XIAOMI);
            expect(sender).to.not.have.reached(XIAOMI);
          });
        });

        describe('after a Mi Cloud sign-in', () => {
          before(async () => {
            await phone.signInMiAccount();
            await phone.waitForTelemetry({ untilLeaked: SIGN_IN_VALUES.map((n) => phone.identifier(n)) });
          });

          for (const name of SIGN_IN_VALUES) {
            it(`the ${name} reaches ${VENDOR} base64-encoded over HTTPS`, () => {
              const subject = phone.identifier(name);
              expect(subject).to.have.leakedIn('base64', VENDOR);
              overHttps(subject, VENDOR);
            });
          }
        });

        describe('joining Wi-Fi', () => {
          let step: ScenarioStep;

          before(async () => {
            step = await phone.step('the phone joins Wi-Fi (svc wifi)', async () => {
              await phone.joinWifi();
              // `svc wifi enable` returns before a real phone has associated (seconds): give the
              // sync a quiet window long enough to start in.
              await phone.waitForTelemetry({ quietMs: 5000 });
            });
          });

          it('MiCloud connects to a Xiaomi cloud host (reported by destination)', () => {
            expectObserved(step);
            const hosts = xiaomiHosts(step).filter((h) => h !== VENDOR);
            expect(hosts, `hosts contacted while joining Wi-Fi: ${[...step.hosts.keys()].join(', ') || 'none'}`).to.not.be.empty;
          });
        });
      });
    }
  },
);
