// Figures for the simulated phone's apps layer: page-load latency through the network stack and a
// local intercepting proxy (HTTP and HTTPS via CONNECT + TLS), the Sensors Analytics encode +
// placement cost per batch, and how long building the UI hierarchy takes.
// Run: node --import tsx bench/sim/appsAndNet.ts
import { performance } from 'node:perf_hooks';
import { createAppRuntime } from '../../sim/apps/index.js';
import { applyEncodeChain, placePayload, renderTemplates, type TemplateValue } from '../../sim/apps/telemetry/index.js';
import { NetworkStack } from '../../sim/net/index.js';
import { loadProfile } from '../../sim/profiles/index.js';
import { TestPhoneContext } from '../../test/sim/net-testPhoneContext.js';
import { InterceptingProxy, TestCA } from '../../test/sim/net-testProxy.js';

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, n=${s.length}`;
}

const profile = loadProfile('redmi-note-8-2020');
const ca = new TestCA('bench');
const proxy = new InterceptingProxy(ca);
await proxy.start();
const ctx = new TestPhoneContext(profile);
ctx.cas.system.push(ca.certPem);
ctx.reverses.set(8080, proxy.port);
ctx.setProxy('127.0.0.1:8080');
const stack = new NetworkStack(ctx);

for (const scheme of ['http', 'https']) {
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await stack.request({ url: `${scheme}://bench.example/p${i}`, trustsUserCAs: false, userAgent: 'bench', client: 'chromium', logTag: 'bench' });
    samples.push(performance.now() - t0);
  }
  console.log(`request through proxy, ${scheme.padEnd(5)}: ${stats(samples)}`);
}

const mint = profile.apps.find((a) => a.package === 'com.mi.globalbrowser.mini')!;
const rule = mint.telemetry.find((r) => r.name === 'sa.page_load_start')!;
const vars = new Map<string, TemplateValue>([
  ['visit.url', 'https://www.example.com/some/long/path?q=canary-token-123'], ['device.model', 'Redmi Note 8'], ['device.release', '10'],
  ['device.manufacturer', 'Xiaomi'], ['device.miuiRegion', 'GB'], ['device.screen.width', 1080], ['device.screen.height', 2340],
  ['app.version', '3.4.0'], ['app.uuid', 'db6f8add-c401-4433-b2dc-d0473a1f716c'], ['now', Date.now()], ['random', 42], ['prop.ro.build.version.incremental', 'V11'],
]);
for (const size of [1, 50]) {
  const events = Array.from({ length: size }, () => renderTemplates(rule.fields, vars));
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const request = placePayload(rule, applyEncodeChain(events, rule.encode ?? []), vars, 'Dalvik');
    samples.push(performance.now() - t0);
    bytes = request.body!.length;
  }
  console.log(`Sensors batch of ${String(size).padStart(2)} events (json+gzip+base64+form, ${bytes} bytes): ${stats(samples)}`);
}

const runtime = createAppRuntime(ctx);
await runtime.startActivity({ package: mint.package }, { stopFirst: false });
const samples: number[] = [];
for (let i = 0; i < 2000; i++) {
  const t0 = performance.now();
  runtime.ui.hierarchy();
  samples.push(performance.now() - t0);
}
console.log(`UI hierarchy build: ${stats(samples)}`);

await runtime.shutdown();
ctx.close();
await proxy.stop();
ca.remove();
