import { defineSuite, expect } from '../../../harness/scenario/index.js';

/** A suite with a mistake in its body: it throws while its tests are declared. */
export default defineSuite({ name: 'throws-while-declaring', description: 'Throws while declaring (test fixture).' }, (ctx) => {
  for (const phone of ctx.phones) {
    it(`${phone.name}: never runs`, () => expect(1).to.equal(1));
  }
  const settings = undefined as unknown as { browsers: string[] };
  for (const b of settings.browsers) it(b, () => undefined);
});
