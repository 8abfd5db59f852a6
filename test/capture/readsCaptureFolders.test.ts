import { expect } from 'chai';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

  it('joins a WebSocket\'s open line, message records and close record into one flow, where it closed', async () => {
    const ws = (id: string): Flow => ({ ...flow(id), scheme: 'ws', response: { status: 101, statusMessage: '', headers: [], body: { size: 0 } }, websocket: { messages: [], open: true } });
    const message = (flowId: string, text: string, direction: 'sent' | 'received') => ({ record: 'ws-message', flowId, message: { direction, at: 5, binary: false, body: { size: text.length, inline: Buffer.from(text).toString('base64') } } });
    const lines = [
      ws('w1'), message('w1', 'hi', 'sent'), ws('w2'), flow('a'), message('w2', 'other', 'sent'), message('w1', 'hello', 'received'),
      { record: 'ws-close', flowId: 'w1', endedAt: 9 }, flow('b'), message('w2', 'more', 'received'),
    ];
    writeFileSync(path.join(dir, 'flows.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const flows = await collect(dir);
    expect(flows.map((f) => f.id)).to.deep.equal(['a', 'w1', 'b', 'w2']);
    const [closed, open] = [flows[1]!, flows[3]!];
    expect(closed.websocket?.open).to.equal(undefined);
    expect(closed.endedAt).to.equal(9);
    expect(closed.error).to.equal(undefined);
    expect(await Promise.all(closed.websocket!.messages.map(async (m) => (await readBody(dir, m.body)).toString()))).to.deep.equal(['hi', 'hello']);
    // Never closed (sidecar killed): yielded last, still marked open, with what was recorded.
    expect(open.websocket?.open).to.equal(true);
    expect(open.websocket?.messages).to.have.length(2);
    expect(open.error).to.match(/open/);
  });

  it('refuses WebSocket records that name no open socket, or an unknown record type, naming the file and record', async () => {
    writeFileSync(path.join(dir, 'flows.jsonl'), JSON.stringify(flow('a')) + '\n' + JSON.stringify({ record: 'ws-message', flowId: 'nope', message: { body: { size: 0 } } }) + '\n');
    const orphan = await collect(dir).then(() => null, (e: unknown) => e);
    expect(orphan).to.be.instanceOf(PhonehomeError);
    expect((orphan as Error).message).to.match(/flows\.jsonl: record 2 belongs to WebSocket nope, which is not open/);
    writeFileSync(path.join(dir, 'flows.jsonl'), JSON.stringify({ record: 'surprise' }) + '\n');
    const unknown = await collect(dir).then(() => null, (e: unknown) => e);
    expect((unknown as Error).message).to.match(/record 1 has unknown record type 'surprise'/);
  });

  it('reads a body at its offset in a shared blob file, and refuses one past the end of the file', async () => {
    mkdirSync(path.join(dir, 'bodies'));
    writeFileSync(path.join(dir, 'bodies', 'blob-x-1.bin'), Buffer.concat([Buffer.alloc(100, 1), Buffer.from('the body'), Buffer.alloc(50, 2)]));
    expect((await readBody(dir, { size: 8, file: 'bodies/blob-x-1.bin', offset: 100 })).toString()).to.equal('the body');
    await readBody(dir, { size: 100, file: 'bodies/blob-x-1.bin', offset: 100 }).then(
      () => expect.fail('should refuse'), (e: unknown) => expect((e as Error).message).to.match(/ends before the body/));
    await readBody(dir, { size: 8, file: 'bodies/blob-x-1.bin', offset: -3 }).then(
      () => expect.fail('should refuse'), (e: unknown) => expect((e as Error).message).to.match(/invalid offset/));
    await readBody(dir, { size: 8, file: 'bodies/blob-x-1.bin', offset: 100 }, 4).then(
      () => expect.fail('should refuse'), (e: unknown) => expect((e as Error).message).to.match(/over the 4-byte limit/));
  });

  it('merges the flows files of several writers (flows.<shard>.jsonl) by completion time, each torn last line a blind spot', async () => {
    const at = (id: string, endedAt: number): Flow => ({ ...flow(id), startedAt: endedAt - 1, endedAt });
    const lines = (...flows: Flow[]) => flows.map((f) => JSON.stringify(f) + '\n').join('');
    writeFileSync(path.join(dir, 'flows.1.jsonl'), lines(at('a', 10), at('c', 30), at('e', 50)) + '{"id":"torn1","startedAt":1700000000000,"host":"cut.example","meth');
    writeFileSync(path.join(dir, 'flows.2.jsonl'), lines(at('b', 20), at('d', 40)));
    writeFileSync(path.join(dir, 'flows.10.jsonl'), lines(at('b2', 20), at('f', 60)) + '{"id":"torn10","star');
    // A WebSocket never closed comes after every completed flow, whichever file holds it.
    const open = { ...at('w', 5), scheme: 'ws', websocket: { messages: [], open: true } };
    writeFileSync(path.join(dir, 'flows.3.jsonl'), JSON.stringify(open) + '\n');
    // Ties keep the files' natural order (2 before 10).
    expect((await collect(dir)).map((f) => f.id)).to.deep.equal(['a', 'b', 'b2', 'c', 'd', 'e', 'f', 'w']);
    const cut = (await readBlindSpots(dir)).filter((b) => b.reason === 'flow-cut-off');
    expect(cut.map((b) => b.flowId).sort()).to.deep.equal(['torn1', 'torn10']);
    expect(cut.find((b) => b.flowId === 'torn1')).to.include({ host: 'cut.example', time: 1700000000000 });
    expect(cut.find((b) => b.flowId === 'torn1')!.detail).to.include('flows.1.jsonl');
  });

  it('stops reading every flows file when the reader stops early', async () => {
    writeFileSync(path.join(dir, 'flows.1.jsonl'), JSON.stringify(flow('a')) + '\n' + JSON.stringify(flow('b')) + '\n');
    writeFileSync(path.join(dir, 'flows.2.jsonl'), JSON.stringify(flow('c')) + '\n');
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    for await (const f of readFlows(dir)) {
      expect(f.id).to.equal('a');
      break;
    }
    // Both files were open for the merge; the early break closed both, not only the one being read.
    expect(openFiles()).to.equal(before);
  });

  it('reads blind spots, empty when none were written', async () => {
    expect(await readBlindSpots(dir)).to.deep.equal([]);
    appendFileSync(path.join(dir, 'blindspots.jsonl'), JSON.stringify({ id: 'b1', time: 5, reason: 'tls-rejected', host: 'x.test' }) + '\n');
    expect((await readBlindSpots(dir))[0]).to.include({ reason: 'tls-rejected', host: 'x.test' });
  });
});
