import { expect } from 'chai';
import { PassThrough, type Duplex } from 'node:stream';
import { ROUTE_PROBE_HEADER, RouteProber } from '../../harness/capture/index.js';
import type { Marker } from '../../harness/capture/types.js';

/**
 * The prober's own bookkeeping, over an in-process stream that answers like the sidecar after
 * `delayMs` (the route itself is tested through real adb in routeProbesTravelThePhonesRoute).
 */
function answering(delayMs: number, opened: { count: number }): () => Promise<Duplex> {
  return async () => {
    opened.count++;
    let request = '';
    return new (class extends PassThrough {
      override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
        request += chunk.toString();
        const token = /\/probe\/([0-9a-f]+) /.exec(request)?.[1];
        if (token) setTimeout(() => this.push(`HTTP/1.1 204 No Content\r\n${ROUTE_PROBE_HEADER}: ${token}\r\n\r\n`), delayMs);
        done();
      }
    })();
  };
}

describe('capture: the route prober paces itself', () => {
  it('slow probes never pile up: a tick while one is out is skipped, and stop() waits for it', async () => {
    const opened = { count: 0 };
    const markers: Marker[] = [];
    const prober = new RouteProber({ open: answering(250, opened), markers: { write: (m) => markers.push(m) }, route: 'test', intervalMs: 50, timeoutMs: 2000 });
    prober.start();
    await new Promise((r) => setTimeout(r, 700));
    await prober.stop();
    // 700 ms of 50 ms ticks with 250 ms probes: about 3 probes, never 14.
    expect(opened.count).to.be.within(2, 4);
    expect(markers.every((m) => m.kind === 'route-probe' && m.data?.['ok'] === true)).to.equal(true);
    expect(markers).to.have.length(opened.count);
  });

  it('a probe past its bound is timed out (no sample, not a failure of the route); a wrong answer is a failure', async () => {
    const markers: Marker[] = [];
    const slow = await new RouteProber({ open: answering(500, { count: 0 }), markers: { write: (m) => markers.push(m) }, route: 'test', timeoutMs: 100 }).probe();
    expect(slow).to.include({ ok: false, timedOut: true });
    const wrong = await new RouteProber({
      // Some other proxy on that port: it answers, but not with the token.
      open: async () =>
        new (class extends PassThrough {
          override _write(_chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
            setTimeout(() => this.push('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'), 10);
            done();
          }
        })(),
      markers: { write: (m) => markers.push(m) },
      route: 'test',
    }).probe();
    expect(wrong.ok).to.equal(false);
    expect(wrong.ok === false && wrong.error).to.equal("answered 'HTTP/1.1 200 OK' without this probe's token: not the capture (status 200)");
    expect(markers.map((m) => m.data?.['timedOut'])).to.deep.equal([true, false]);
  });
});
