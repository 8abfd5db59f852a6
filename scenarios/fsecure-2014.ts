import { defineSuite, expect } from '../harness/scenario/index.js';
import type { ScenarioIdentifier } from '../harness/scenario/index.js';

/**
 * F-Secure, July/August 2014: a new Redmi 1S, no Mi account, Mi Cloud off, sent its IMEI and its
 * own phone number to api.account.xiaomi.com over plain HTTP, and the number of a newly added
 * contact too. Run it on the Redmi 1S (MIUI before the opt-in OTA).
 *
 * The set-up follows the published method: the phone is on the (intercepted) network, one contact
 * with a unique number is added, then the traffic is searched for the identifiers and that number.
 */
const VENDOR = 'api.account.xiaomi.com';

export default defineSuite(
  { name: 'fsecure-2014', description: 'IMEI, phone number and a new contact’s number reach api.account.xiaomi.com (F-Secure, 2014).' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        let contact: ScenarioIdentifier;

        before(async () => {
          contact = await phone.addContact();
          await phone.waitForTelemetry();
        });

        it(`the IMEI reaches ${VENDOR}`, () => {
          expect(phone.identifier('imei')).to.have.reached(VENDOR);
        });

        it(`the phone's own number reaches ${VENDOR}`, () => {
          expect(phone.identifier('phoneNumber')).to.have.reached(VENDOR);
        });

        it(`a newly added contact's number reaches ${VENDOR}`, () => {
          expect(contact).to.have.reached(VENDOR);
        });
      });
    }
  },
);
