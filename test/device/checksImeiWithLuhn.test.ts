import { expect } from 'chai';
import { luhnValid, normaliseImei } from '../../harness/device/identifiers.js';

describe('device: an IMEI is 15 digits with a valid Luhn check digit', () => {
  it('accepts Luhn-valid IMEIs, spaces and dashes removed', () => {
    expect(normaliseImei('35-209900-176148-1')).to.deep.equal({ value: '352099001761481' }); // GSMA's example IMEI
    expect(normaliseImei('869512043871239')).to.deep.equal({ value: '869512043871239' });
  });

  it('refuses a 15-digit value whose check digit is wrong, saying why', () => {
    expect(luhnValid('352099001761482')).to.equal(false);
    expect(normaliseImei('352099001761482')).to.have.property('unavailable').that.matches(/fails the Luhn check/);
  });

  it('refuses other lengths (an ICCID, an IMEISV) instead of labelling them IMEI', () => {
    expect(normaliseImei('8944110068141592834')).to.have.property('unavailable').that.matches(/^not an IMEI \(15 digits\)/);
    expect(normaliseImei('3520990017614801')).to.have.property('unavailable');
  });
});
