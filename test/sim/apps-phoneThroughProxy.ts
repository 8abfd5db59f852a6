// The simulated phone as the apps tests use it: routed like a provisioned phone (global proxy
// 127.0.0.1:8080, reversed to the test's intercepting proxy) and trusting the test CA, with the
// apps runtime on network limits a loaded machine meets. Shared by the apps-* test files.
import zlib from 'node:zlib';
import { createAppRuntime, type SimAppRuntime } from '../../sim/apps/index.js';
import type { Profile } from '../../sim/profile.js';
import { TestPhoneContext } from './net-testPhoneContext.js';
import type { InterceptingProxy, SeenRequest, TestCA } from './net-testProxy.js';

/** A phone context whose traffic reaches `proxy`, with `ca` in the stores named (default: the system store). */
export function contextThroughProxy(profile: Profile, proxy: InterceptingProxy, ca: TestCA, stores: { system?: boolean; user?: boolean } = { system: true }): TestPhoneContext {
  const ctx = new TestPhoneContext(profile);
  if (stores.system) ctx.cas.system.push(ca.certPem);
  if (stores.user) ctx.cas.user.push(ca.certPem);
  ctx.reverses.set(8080, proxy.port);
  ctx.setProxy('127.0.0.1:8080');
  return ctx;
}

/** The apps runtime on `ctx`, with 3 s connect and response limits. */
export function appRuntime(ctx: TestPhoneContext): SimAppRuntime {
  return createAppRuntime(ctx, { netLimits: { connectTimeoutMs: 3000, responseTimeoutMs: 3000 } });
}

/** Sensors Analytics events in a request, decoded as XDA did: URL decode → base64 → gunzip → JSON. */
export function sensorsEvents(req: SeenRequest): Array<{ event: string; properties: Record<string, unknown>; distinct_id: string }> {
  return JSON.parse(zlib.gunzipSync(Buffer.from(new URLSearchParams(req.body.toString()).get('data_list') ?? '', 'base64')).toString()) as never;
}
