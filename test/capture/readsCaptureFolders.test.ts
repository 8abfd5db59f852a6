import { expect } from 'chai';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MarkerWriter, readBlindSpots, readBody, readFlows, readMarkers, type Flow } from '../../harness/capture/index.js';
import { PhonehomeError } from '../../harness/errors.js';

function flow(id: string): Flow {
  return {
    id, startedAt: 1, endedAt: 2, client: { address: '127.0.0.1', port: 1 }, method: 'GET', scheme: 'http',
    host: 'example.test', port: 80, path: '/', query: '', httpVersion: '1.1',
    request: { headers: [], body: { size: 0 } },
  };
}

async function collect(dir: string): Promise<Flow[]> {
  const out: Flow[] = [];
  for await (const f of readFlows(dir)) out.push(f);
  return out;
}

describe('capture folder reader', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'phonehome-reader-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads flows and skips a torn last line', async () => {
    writeFileSync(path.join(dir, 'flows.jsonl'), JSON.stringify(flow('a')) + '\n' + JSON.stringify(flow('b')) + '\n' + '{"id":"c","star');
    expect((await collect(dir)).map((f) => f.id)).to.deep.equal(['a', 'b']);
  });

  it('reads a complete last line without a trailing newline', async () => {
    writeFileSync(path.join(dir, 'flows.jsonl'), JSON.stringify(flow('a')) + '\n' + JSON.stringify(flow('b')));
    expect((await collect(dir)).map((f) => f.id)).to.deep.equal(['a', 'b']);
  });

  it('names the file and line of a corrupted line in the middle', async () => {
    writeFileSync(path.join(dir, 'flows.jsonl'), JSON.stringify(flow('a')) + '\nnot json\n' + JSON.stringify(flow('b')) + '\n');
    const error = await collect(dir).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as Error).message).to.match(/flows\.jsonl:2: not valid JSON/);
  });

  it('refuses a folder that does not exist, naming it', async () => {
    const error = await collect(path.join(dir, 'nope')).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(PhonehomeError);
    expect((error as Error).message).to.include(path.join(dir, 'nope'));
  });

  it('reads inline and file bodies, and refuses past maxBytes or outside the folder', async () => {
    mkdirSync(path.join(dir, 'bodies'));
    writeFileSync(path.join(dir, 'bodies', 'x.req'), Buffer.alloc(1000, 7));
    expect((await readBody(dir, { size: 3, inline: Buffer.from('abc').toString('base64') })).toString()).to.equal('abc');
    expect((await readBody(dir, { size: 1000, file: 'bodies/x.req' })).length).to.equal(1000);
    await readBody(dir, { size: 1000, file: 'bodies/x.req' }, 999).then(
      () => expect.fail('should refuse'), (e: unknown) => expect(e).to.be.instanceOf(PhonehomeError));
    await readBody(dir, { size: 10, inline: Buffer.alloc(10).toString('base64') }, 5).then(
      () => expect.fail('should refuse'), (e: unknown) => expect(e).to.be.instanceOf(PhonehomeError));
    await readBody(dir, { size: 10, file: '../../etc/passwd' }).then(
      () => expect.fail('should refuse'), (e: unknown) => expect((e as Error).message).to.match(/outside the capture folder/));
  });

  it('appends markers from two writers and returns them in time order', async () => {
    const a = new MarkerWriter(dir);
    const b = new MarkerWriter(dir);
    a.write({ time: 30, kind: 'visit-end', visitId: 'v1' });
    b.write({ time: 10, kind: 'capture-start' });
    a.write({ time: 20, kind: 'visit-start', visitId: 'v1' });
    await a.close();
    await b.close();
    expect((await readMarkers(dir)).map((m) => m.kind)).to.deep.equal(['capture-start', 'visit-start', 'visit-end']);
    expect(() => a.write({ time: 1, kind: 'note' })).to.throw(PhonehomeError);
  });

  it('reads blind spots, empty when none were written', async () => {
    expect(await readBlindSpots(dir)).to.deep.equal([]);
    appendFileSync(path.join(dir, 'blindspots.jsonl'), JSON.stringify({ id: 'b1', time: 5, reason: 'tls-rejected', host: 'x.test' }) + '\n');
    expect((await readBlindSpots(dir))[0]).to.include({ reason: 'tls-rejected', host: 'x.test' });
  });
});
