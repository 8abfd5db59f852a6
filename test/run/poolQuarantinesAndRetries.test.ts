import { expect } from 'chai';
import { DevicePool, type PoolPhoneSpec, type WorkItem } from '../../harness/run/index.js';
import { PhonehomeError } from '../../harness/errors.js';

/** A unit is a list of test names; a phone "runs" it by recording them, or dies after `dieAfter` tests. */
interface FakePhone {
  name: string;
  ran: string[];
  dieAfter?: number;
  model?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pool(phones: Array<PoolPhoneSpec & { dieAfter?: number; model?: string; failStart?: boolean }>, parallel: number, log: string[]) {
  const live = new Map<string, FakePhone>();
  const p = new DevicePool<string[], FakePhone>({
    phones,
    parallel,
    start: async (spec) => {
      await sleep(5);
      const s = phones.find((x) => x.name === spec.name)!;
      if (s.failStart) throw new Error('adb connect refused');
      const phone: FakePhone = { name: spec.name, ran: [], ...(s.dieAfter !== undefined ? { dieAfter: s.dieAfter } : {}), ...(s.model ? { model: s.model } : {}) };
      live.set(spec.name, phone);
      log.push(`start ${spec.name} (live ${live.size})`);
      expect(live.size, 'more phones rigged than --parallel').to.be.at.most(parallel);
      return phone;
    },
    stop: async (spec) => {
      await sleep(2);
      live.delete(spec.name);
      log.push(`stop ${spec.name}`);
    },
    run: async (item: WorkItem<string[]>, phone) => {
      for (let i = 0; i < item.unit.length; i++) {
        await sleep(3);
        if (phone.dieAfter !== undefined && phone.ran.length >= phone.dieAfter) {
          return { lost: true, reason: `${phone.name} went offline`, unfinished: item.unit.slice(i) };
        }
        phone.ran.push(item.unit[i]!);
        log.push(`ran ${item.unit[i]} on ${phone.name} (attempt ${item.attempt})`);
      }
      return { lost: false };
    },
    accepts: (_item, phone) => phone.model !== 'other',
  });
  return p;
}

describe('the device pool spreads work, quarantines dead phones and retries once', () => {
  it('runs every unit once over phones of the same key, never more phones than --parallel', async () => {
    const log: string[] = [];
    const phones = ['a', 'b', 'c'].map((name) => ({ name, key: 'tags:farm' }));
    const items = Array.from({ length: 9 }, (_, i) => ({ id: `u${i}`, key: 'tags:farm', unit: [`t${i}`] }));
    const outcome = await pool(phones, 2, log).run(items);
    expect(outcome.abandoned).to.deep.equal([]);
    const ran = log.filter((l) => l.startsWith('ran ')).map((l) => l.split(' ')[1]);
    expect([...ran].sort()).to.deep.equal(items.map((i) => i.unit[0]).sort());
    expect(log.filter((l) => l.startsWith('start ')).length).to.equal(2);
    expect(log.filter((l) => l.startsWith('stop ')).length).to.equal(2);
  });

  it('a phone that dies is quarantined and its unfinished tests run once more on a matching phone', async () => {
    const log: string[] = [];
    const pl = pool([{ name: 'a', key: 'tags:farm', dieAfter: 1 }, { name: 'b', key: 'tags:farm' }, { name: 'solo', key: 'device:solo' }], 3, log);
    const lost: string[] = [];
    pl.on('item-lost', (item, spec, reason, retry) => lost.push(`${item.id} on ${spec.name}: ${reason}; retry ${retry?.unit.join(',')} excluding ${retry?.exclude.join(',')}`));
    const quarantined: string[] = [];
    pl.on('phone-quarantined', (spec) => quarantined.push(spec.name));
    const outcome = await pl.run([
      { id: 'u1', key: 'tags:farm', unit: ['t1', 't2', 't3'] },
      { id: 'u2', key: 'tags:farm', unit: ['t4'] },
      { id: 'u3', key: 'device:solo', unit: ['t5'] },
    ]);
    expect(quarantined).to.deep.equal(['a']);
    expect(outcome.quarantined.map((q) => q.phone)).to.deep.equal(['a']);
    expect(outcome.abandoned).to.deep.equal([]);
    const ran = log.filter((l) => l.startsWith('ran ')).map((l) => l.split(' ')[1]).sort();
    expect(ran, 'each test finished exactly once').to.deep.equal(['t1', 't2', 't3', 't4', 't5']);
    expect(lost).to.have.length(1);
    expect(lost[0]).to.match(/on a: a went offline; retry .* excluding a/);
    expect(log.some((l) => / on b \(attempt 2\)/.test(l)), log.join('\n')).to.equal(true);
  });

  it('work that no matching phone is left to do is abandoned with the reason, never dropped', async () => {
    const log: string[] = [];
    const pl = pool([{ name: 'a', key: 'tags:x', dieAfter: 0 }, { name: 'b', key: 'tags:y' }, { name: 'c', key: 'tags:x', model: 'other' }, { name: 'd', key: 'tags:z', failStart: true }], 4, log);
    const outcome = await pl.run([
      { id: 'u1', key: 'tags:x', unit: ['t1'] },
      { id: 'u2', key: 'tags:y', unit: ['t2'] },
      { id: 'u3', key: 'tags:z', unit: ['t3'] },
    ]);
    const abandoned = Object.fromEntries(outcome.abandoned.map((a) => [a.item.id, a.reason]));
    // u1 went to a or c: a dies, c is a different model; or c refuses it and a dies with it.
    expect(abandoned.u1).to.match(/differ in model or app version|no phone matching tags \[x\]/);
    expect(abandoned.u3).to.match(/no phone matching tags \[z\] is left \(quarantined: .*d/);
    expect(abandoned).to.not.have.property('u2');
    expect(outcome.quarantined.map((q) => q.phone).sort()).to.include.members(['a', 'd']);
    expect(outcome.quarantined.find((q) => q.phone === 'd')!.reason).to.match(/did not start: adb connect refused/);
  });

  it('a test lost twice is abandoned, not retried again', async () => {
    const log: string[] = [];
    const pl = pool([{ name: 'a', key: 'k', dieAfter: 0 }, { name: 'b', key: 'k', dieAfter: 0 }, { name: 'c', key: 'k' }], 1, log);
    const outcome = await pl.run([{ id: 'u1', key: 'k', unit: ['t1'] }]);
    expect(outcome.abandoned).to.have.length(1);
    expect(outcome.abandoned[0]!.reason).to.match(/lost twice \(last on b: b went offline\)/);
    expect(log.some((l) => l.startsWith('ran t1'))).to.equal(false);
  });

  it('refuses a bad --parallel and a phone listed twice', () => {
    const base = { start: async () => ({}), stop: async () => undefined, run: async () => ({ lost: false as const }) };
    expect(() => new DevicePool({ ...base, phones: [], parallel: 0 })).to.throw(PhonehomeError, /--parallel must be a whole number of phones >= 1/);
    expect(() => new DevicePool({ ...base, phones: [{ name: 'a', key: 'k' }, { name: 'a', key: 'k' }], parallel: 1 })).to.throw(PhonehomeError, /'a' is listed twice/);
  });
});
