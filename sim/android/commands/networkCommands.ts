import { isIP } from 'node:net';
import { splitFlags, type Handler } from './context.js';

/**
 * `ping` as Android ships it (AOSP external/iputils, /system/bin/ping): the first line names the
 * address the phone's resolver gave, `PING <host> (<address>) 56(84) bytes of data.` (iputils
 * ping.c prints "PING %s (%s) " then "%d(%d) bytes of data.\n"). The resolver is the profile's
 * `device.dns` map (chosen addresses, stated in each profile's description); a host it does not
 * list does not resolve ("ping: unknown host X", exit 2, the iputils form of that era — unverified
 * for each Android release, and nothing in the harness reads it). The simulated network routes no
 * ICMP, so no echo reply ever comes: every packet is lost and ping exits 1, as a real phone whose
 * network drops ICMP does. Without -c or -w it runs, a packet a second, until the shell ends it.
 */
const ping: Handler = async (ctx) => {
  const { flags, operands } = splitFlags(ctx.args, ['-c', '-W', '-w', '-i', '-s', '-t', '-I', '-Q', '-p', '-l', '-M', '-S', '-T', '-m']);
  const host = operands[0];
  if (!host) {
    await ctx.err('Usage: ping [-LRUbdfnqrvVaAD] [-c count] [-i interval] [-w deadline]\n            [-p pattern] [-s packetsize] [-t ttl] [-I interface]\n            [-M pmtudisc-hint] [-m mark] [-S sndbuf]\n            [-T tstamp-options] [-Q tos] [hop1 ...] destination\n');
    return 2;
  }
  const address = isIP(host) === 4 ? host : ctx.device.profile.device.dns?.[host.toLowerCase()];
  if (!address) {
    await ctx.err(`ping: unknown host ${host}\n`);
    return 2;
  }
  const count = positive(flags.get('-c'));
  const deadlineS = positive(flags.get('-w'));
  const size = positive(flags.get('-s')) ?? 56;
  await ctx.out(`PING ${host} (${address}) ${size}(${size + 28}) bytes of data.\n`);
  const started = Date.now();
  let sent = 0;
  // One packet a second; each waits for a reply that never comes.
  while (!ctx.signal.aborted) {
    sent++;
    if (count !== undefined && sent >= count) break;
    if (deadlineS !== undefined && Date.now() - started >= deadlineS * 1000) break;
    await sleep(1000, ctx.signal);
  }
  const timeMs = Date.now() - started;
  await ctx.out(`\n--- ${host} ping statistics ---\n${sent} packets transmitted, 0 received, 100% packet loss, time ${timeMs}ms\n\n`);
  return 1;
};

function positive(value: string | true | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export const networkCommands: Record<string, Handler> = { ping };
