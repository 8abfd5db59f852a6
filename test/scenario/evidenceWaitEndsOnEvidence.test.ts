import { expect } from 'chai';
import { waitForEvidence, waitPolicyFrom, type EvidenceWaitInput } from '../../harness/scenario/evidenceWait.js';

/** A virtual clock: sleep() advances it, and flows arrive at the given times. */
function clockWith(arrivals: number[], settledWhen: (flows: number) => boolean) {
  let t = 0;
  const asked: number[] = [];
  const flows = () => arrivals.filter((a) => a <= t).length;
  const input = {
    flows,
    settled: async () => {
      asked.push(t);
      return settledWhen(flows());
    },
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  } satisfies Partial<EvidenceWaitInput>;
  return { input, asked, time: () => t };
}

describe('evidence waits end on evidence, bounded by the old grace', () => {
  it('ends once the traffic is quiet and every visit is leaked, long before the bound', async () => {
    const c = clockWith([100, 200], (n) => n >= 2);
    const end = await waitForEvidence({ ...c.input, quietMs: 300, notBefore: 3250, deadline: 20_000, pollMs: 50 });
    expect(end).to.equal('settled');
    expect(c.time()).to.be.within(500, 600);
  });

  it('never ends while flows keep arriving, even if the evidence looks settled', async () => {
    const burst = Array.from({ length: 20 }, (_, i) => 100 + i * 100); // one flow every 100 ms until 2 s
    const c = clockWith(burst, () => true);
    await waitForEvidence({ ...c.input, quietMs: 300, notBefore: 3250, deadline: 20_000, pollMs: 50 });
    expect(c.asked.every((t) => t >= 2000 + 300)).to.equal(true);
  });

  it('a visit not (yet) leaked keeps the wait to the bound: the window must be proven', async () => {
    const c = clockWith([100, 1500], () => false);
    const end = await waitForEvidence({ ...c.input, quietMs: 300, notBefore: 3250, deadline: 20_000, pollMs: 50 });
    expect(end).to.equal('window-proven');
    expect(c.time()).to.be.at.least(3250);
  });

  it('asks the detector once per burst of flows, not on every poll', async () => {
    const c = clockWith([100, 1500], () => false);
    await waitForEvidence({ ...c.input, quietMs: 300, notBefore: 3250, deadline: 20_000, pollMs: 50 });
    expect(c.asked).to.have.length(2);
  });

  it('stops at the deadline when the phone never goes quiet', async () => {
    const c = clockWith(Array.from({ length: 400 }, (_, i) => i * 50), () => true);
    const end = await waitForEvidence({ ...c.input, quietMs: 300, notBefore: 3250, deadline: 5000, pollMs: 50 });
    expect(end).to.equal('deadline');
    expect(c.asked).to.have.length(0);
  });

  it('PHONEHOME_WAITS takes evidence or fixed, anything else is an error naming it', () => {
    expect(waitPolicyFrom(undefined)).to.equal('evidence');
    expect(waitPolicyFrom('fixed')).to.equal('fixed');
    expect(() => waitPolicyFrom('fast')).to.throw(/PHONEHOME_WAITS='fast': must be 'evidence' or 'fixed'/);
  });
});
