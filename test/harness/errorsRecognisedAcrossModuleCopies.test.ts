import { expect } from 'chai';
import { PhonehomeError, UsageError } from '../../harness/errors.js';

describe('user-facing errors', () => {
  it('are recognised when thrown by a second copy of the errors module', async () => {
    // A query string makes the loader evaluate the module again: a separate class object.
    const copy = (await import('../../harness/errors.js?second-copy' as string)) as typeof import('../../harness/errors.js');
    expect(copy.PhonehomeError).to.not.equal(PhonehomeError);
    expect(new copy.PhonehomeError('x')).to.be.instanceOf(PhonehomeError);
    expect(new copy.UsageError('x')).to.be.instanceOf(PhonehomeError);
  });

  it('keep subclasses distinct and ordinary errors out', () => {
    expect(new PhonehomeError('x')).to.not.be.instanceOf(UsageError);
    expect(new UsageError('x')).to.be.instanceOf(UsageError);
    expect(new Error('x')).to.not.be.instanceOf(PhonehomeError);
    expect({ exitCode: 2 }).to.not.be.instanceOf(PhonehomeError);
  });
});

describe("the simulator's profile errors", () => {
  it('are user errors to the harness CLI although sim/ imports nothing from harness/', async () => {
    const { ProfileError } = await import('../../sim/profiles/index.js');
    const error = new ProfileError('my.json: device.model: is required');
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as unknown as PhonehomeError).exitCode).to.equal(2);
    expect(error).to.not.be.instanceOf(UsageError);
  });
});
