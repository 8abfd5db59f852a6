import { expect } from 'chai';
import { UsageError } from '../../harness/errors.js';
import { recordingFrom } from '../../harness/scenario/browserDriver.js';

describe('screen recording is on for suites unless turned off', () => {
  it('PHONEHOME_RECORDING: unset or on records, off does not', () => {
    expect(recordingFrom(undefined)).to.equal(true);
    expect(recordingFrom('')).to.equal(true);
    expect(recordingFrom('on')).to.equal(true);
    expect(recordingFrom('off')).to.equal(false);
  });

  it('any other value is a one-line usage error naming the variable and the values it takes', () => {
    expect(() => recordingFrom('no')).to.throw(UsageError, /^PHONEHOME_RECORDING must be 'on' or 'off', got 'no'$/);
  });
});
