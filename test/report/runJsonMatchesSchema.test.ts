import { expect } from 'chai';
import { renderRunJson, runRecordErrors } from '../../harness/report/runJson.js';
import { PhonehomeError } from '../../harness/errors.js';
import { sampleRun } from './sampleRun.js';

describe('run.json and its schema', () => {
  it('accepts a complete run record and round-trips it through run.json', () => {
    const run = sampleRun();
    expect(runRecordErrors(run)).to.deep.equal([]);
    expect(JSON.parse(renderRunJson(run))).to.deep.equal(run);
  });

  it('rejects records that break the model, naming the field', () => {
    const leakedWithoutHosts = sampleRun();
    leakedWithoutHosts.visits[0]!.hosts = [];
    expect(runRecordErrors(leakedWithoutHosts).join('\n')).to.match(/\/visits\/0\/hosts/);

    const unobservableWithoutReason = sampleRun();
    unobservableWithoutReason.visits[3]!.reasons = [];
    expect(runRecordErrors(unobservableWithoutReason).join('\n')).to.match(/\/visits\/3\/reasons/);

    const badVerdict = sampleRun() as unknown as { visits: Array<Record<string, unknown>> };
    badVerdict.visits[2]!.verdict = 'clean';
    expect(runRecordErrors(badVerdict).join('\n')).to.match(/\/visits\/2\/verdict/);

    const findingWithoutChain = sampleRun();
    findingWithoutChain.findings[0]!.chain = [];
    expect(runRecordErrors(findingWithoutChain).join('\n')).to.match(/\/findings\/0\/chain/);

    const stray = { ...sampleRun(), extra: 1 };
    expect(runRecordErrors(stray)).to.have.length(1);
  });

  it('refuses to write a run.json its own schema rejects', () => {
    const run = sampleRun();
    run.findings[0]!.party = 'nobody' as never;
    expect(() => renderRunJson(run)).to.throw(PhonehomeError, /does not match run.schema.json: \/findings\/0\/party/);
  });
});
