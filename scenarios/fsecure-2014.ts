import { defineSuite, expect } from '../harness/scenario/index.js';
import type { ScenarioIdentifier } from '../harness/scenario/index.js';

/**
 * F-Secure, July/August 2014: a new Redmi 1S, no Mi account, Mi Cloud off, sent the carrier name,
 * its IMEI and its own phone number to api.account.xiaomi.com over plain HTTP, plus the number of a
 * newly added contact and the number of the sender of a received SMS; after signing in to Mi Cloud,
 * the IMSI (with IMEI and number) to the same host. Run it on the Redmi 1S (MIUI before the opt-in
 * OTA); `fsecure-2014-ota` is the re-test after it.
 *
 * The set-up follows the published method: the phone is on the (intercepted) network, one contact
 * with a unique number is added, an SMS from a unique number arrives (emulator console, simulated
 * phone's control socket, or the operator on a real phone), then the traffic is searched for the
 * identifiers and those numbers. The carrier name is low in entropy: it counts only where it
 * travelled in a flow that carried one of the other values.
 */
const VENDOR = 'api.account.xiaomi.com';

export default defineSuite(
  { name: 'fsecure-2014', description: 'Carrier name, IMEI, phone number, a new contact’s number and a received SMS’s sender reach api.account.xiaomi.com; after a Mi Cloud sign-in, the IMSI too (F-Secure, 2014).' },
  (ctx) => {
    for (const phone of ctx.phones) {
      describe(phone.name, () => {
        let contact: ScenarioIdentifier;
        let sender: ScenarioIdentifier;

        before(async () => {
          contact = await phone.addContact();
          sender = await phone.receiveSms();
          await phone.waitForTelemetry({ untilLeaked: [contact, sender] });
        });

        it(`the IMEI reaches ${VENDOR}`, () => {
          expect(phone.identifier('imei')).to.have.reached(VENDOR);
        });

        it(`the phone's own number reaches ${VENDOR}`, () => {
          expect(phone.identifier('phoneNumber')).to.have.reached(VENDOR);
        });

        it(`the carrier name reaches ${VENDOR}`, () => {
          expect(phone.identifier('carrier')).to.have.reached(VENDOR);
        });

        it(`a newly added contact's number reaches ${VENDOR}`, () => {
          expect(contact).to.have.reached(VENDOR);
        });

        it(`the number of the sender of a received SMS reaches ${VENDOR}`, () => {
          expect(sender).to.have.reached(VENDOR);
        });

        describe('after a Mi Cloud sign-in', () => {
          before(async () => {
            await phone.signInMiAccount();
            await phone.waitForTelemetry({ untilLeaked: [phone.identifier('imsi')] });
          });

          it(`the IMSI reaches ${VENDOR}`, () => {
            expect(phone.identifier('imsi')).to.have.reached(VENDOR);
          });
        });
      });
    }
  },
);
