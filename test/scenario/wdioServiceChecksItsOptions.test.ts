import { expect } from 'chai';
import { PhonehomeError } from '../../harness/errors.js';
import { checkServiceOptions, phonehome, PhonehomeService, readRunState, STATE_ENV } from '../../harness/scenario/wdio/index.js';

// What a wdio.conf.ts author gets wrong is one line naming the option and the fix, before any
// phone is touched (wdio builds the service in the launcher and in each worker).
describe('wdio: the phonehome service checks its options', () => {
  it('accepts none, or the known ones', () => {
    expect(checkServiceOptions(undefined)).to.deep.equal({});
    const options = { devicesFile: 'devices.json', device: 'redmi-note-8', adbPort: 5037, out: 'reports', suite: 'mine' };
    expect(checkServiceOptions(options)).to.deep.equal(options);
    expect(() => new PhonehomeService(options)).to.not.throw();
  });

  for (const [options, message] of [
    ['redmi-note-8', /must be an object like \{ device: 'redmi-note-8' \}, got "redmi-note-8"/],
    [{ devices: 'devices.json' }, /unknown option 'devices' \(known: devicesFile, device, adbPort, out, suite\)/],
    [{ device: '' }, /'device' must be a non-empty string, got ""/],
    [{ adbPort: 70000 }, /'adbPort' must be a port number 1-65535, got 70000/],
    [{ adbPort: '5037' }, /'adbPort' must be a port number 1-65535, got "5037"/],
  ] as const) {
    it(`rejects ${JSON.stringify(options)} in one line`, () => {
      let error: unknown;
      try {
        new PhonehomeService(options);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(PhonehomeError);
      expect((error as Error).message).to.match(message);
      expect((error as Error).message).to.not.contain('\n');
    });
  }

  it('a spec without the service is told to add it', () => {
    expect(() => phonehome()).to.throw(PhonehomeError, /add PhonehomeService to the services of your wdio\.conf/);
    expect(() => readRunState({})).to.throw(PhonehomeError, new RegExp(`${STATE_ENV} is not set`));
  });
});
