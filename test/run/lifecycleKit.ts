import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAdb, freePort, DEFAULT_ADB_BIN } from '../../harness/device/index.js';
import type { RunRecord } from '../../harness/report/types.js';
import { phonehome, startSim, writeDevices } from './farmPhones.js';

const SCENARIO_INDEX = path.resolve('harness/scenario/index.js');

/** Simulated phones this test owns (so it can freeze or inspect them), listed in a devices.json. */
export interface Lab {
  dir: string;
  devices: string;
  sims: Array<Awaited<ReturnType<typeof startSim>>>;
  names: string[];
  close(): Promise<void>;
}

export async function openLab(prefix: string, phones: number, entry: Record<string, unknown> = {}): Promise<Lab> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const sims: Lab['sims'] = [];
  const close = async () => {
    for (const s of sims) {
      if (s.child.pid !== undefined) process.kill(s.child.pid, 'SIGCONT');
      await s.stop();
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < phones; i++) sims.push(await startSim('redmi-note-8-2020', dir));
  } catch (error) {
    await close();
    throw error;
  }
  // Suites in the lab are ES modules, as in scenarios/.
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const names = sims.map((_, i) => `phone-${i + 1}`);
  const devices = path.join(dir, 'devices.json');
  await writeDevices(devices, sims.map((s, i) => ({ name: names[i]!, serial: s.serial, ...entry })));
  return { dir, devices, sims, names, close };
}

/** A suite file in the lab (its name is its file's), one test per phone with `body` as the test's code. */
export async function writeSuite(lab: Lab, name: string, body: string, hooks = ''): Promise<string> {
  const file = path.join(lab.dir, `${name}.ts`);
  await writeFile(
    file,
    `import { defineSuite } from ${JSON.stringify(SCENARIO_INDEX)};
export default defineSuite({ name: ${JSON.stringify(name)}, description: 'lifecycle test' }, (ctx) => {
  for (const phone of ctx.phones) {
    describe(phone.name, () => {
      ${hooks}
      it('runs on the phone', async function () {
        ${body}
      });
    });
  }
});
`,
  );
  return file;
}

/** `phonehome run SUITE` on every phone of the lab. */
export function runOnLab(lab: Lab, suite: string, env: Record<string, string> = {}) {
  Object.assign(process.env, env);
  try {
    return phonehome(['run', suite, '--devices', lab.devices, '--device', lab.names.join(','), '--out', path.join(lab.dir, 'reports')], lab.dir, 170_000);
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
  }
}

export async function readRunJson(lab: Lab): Promise<RunRecord> {
  return JSON.parse(await readFile(path.join(lab.dir, 'reports', 'latest', 'run.json'), 'utf8')) as RunRecord;
}

export async function reportFiles(lab: Lab): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(path.join(lab.dir, 'reports', 'latest'))).sort();
}

/** What the phone's proxy setting is now, read over an adb server of the test's own. */
export async function proxySettings(lab: Lab): Promise<string[]> {
  const port = String(await freePort());
  try {
    await runAdb(DEFAULT_ADB_BIN, ['-P', port, 'start-server'], 20_000);
    const out: string[] = [];
    for (const sim of lab.sims) {
      await runAdb(DEFAULT_ADB_BIN, ['-P', port, 'connect', sim.serial], 20_000);
      out.push((await runAdb(DEFAULT_ADB_BIN, ['-P', port, '-s', sim.serial, 'shell', 'settings get global http_proxy'], 20_000)).trim());
    }
    return out;
  } finally {
    await runAdb(DEFAULT_ADB_BIN, ['-P', port, 'kill-server'], 20_000).catch(() => undefined);
  }
}

export async function waitFor(what: string, check: () => boolean, output: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
