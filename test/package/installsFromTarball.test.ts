import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { packageInfo } from '../../harness/packageInfo.js';

const run = promisify(execFile);
const { root, version } = packageInfo();
const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];

// A user's first steps with the published package: npm pack (which builds dist/ through
// `prepare`), install the tarball into an empty project, compile TypeScript against its types and
// run its bin — all without the repo's sources or tsx. It packs a copy of the checkout: `prepare`
// starts with `rm -rf dist`, and the other test files spawn the checkout's dist/ while this one
// runs (test/phonehomeBin.ts; CI saw `Cannot find module dist/harness/bin.js` mid-build).
describe('the phonehome package, installed from its tarball', function () {
  this.timeout(300_000);
  let tmp: string;
  let app: string;
  let capture: ChildProcess | undefined;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'phonehome-pack-'));
    const checkout = path.join(tmp, 'checkout');
    const skip = new Set(['node_modules', 'dist', 'reports', '.git'].map((name) => path.join(root, name)));
    cpSync(root, checkout, { recursive: true, filter: (from) => !skip.has(from) });
    symlinkSync(path.join(root, 'node_modules'), path.join(checkout, 'node_modules'));
    await run('npm', ['pack', '--pack-destination', tmp, ...NPM_FLAGS], { cwd: checkout, maxBuffer: 64 << 20 });
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    expect(tarball, 'npm pack wrote no tarball').to.be.a('string');
    app = path.join(tmp, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'uses-phonehome', private: true, type: 'module' }));
    // @types/node: phonehome's types are Node's (Buffer, EventEmitter), as for any Node library.
    const typesNode = `@types/node@${JSON.parse(readFileSync(path.join(root, 'node_modules/@types/node/package.json'), 'utf8')).version}`;
    await run('npm', ['install', ...NPM_FLAGS, path.join(tmp, tarball!), typesNode], { cwd: app, maxBuffer: 64 << 20 });
  });

  after(() => {
    if (capture?.pid !== undefined && capture.exitCode === null) process.kill(capture.pid, 'SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('ships the build and no sources', () => {
    const installed = path.join(app, 'node_modules', 'phonehome');
    const shipped = readdirSync(installed).sort();
    expect(shipped).to.include.members(['dist', 'package.json']);
    expect(shipped).to.not.include.members(['harness', 'sim', 'test', 'tsconfig.json']);
    expect(readdirSync(path.join(installed, 'dist/harness/report'))).to.include('run.schema.json');
  });

  it('compiles a TypeScript file that imports phonehome/capture, a type from phonehome/detect, phonehome/wdio and the types of phonehome/mocha', async () => {
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['main.ts'],
    }));
    writeFileSync(path.join(app, 'main.ts'), [
      "import { CaptureSidecar } from 'phonehome/capture';",
      "import type { Finding, Verdict } from 'phonehome/detect';",
      "import { defineSuite } from 'phonehome';",
      "import { PhonehomeService, phonehome } from 'phonehome/wdio';",
      // Types only: importing the plugin for real rigs phones (its top-level await).
      "import type { mochaHooks, mochaGlobalTeardown } from 'phonehome/mocha';",
      'type Teardown = typeof mochaGlobalTeardown; const teardown: Teardown | undefined = undefined; const hooks: typeof mochaHooks | undefined = undefined;',
      "const service = new PhonehomeService({ device: 'redmi-note-8' });",
      "const visit = (url: string) => phonehome().visit(url, async () => undefined);",
      "const sidecar = new CaptureSidecar({ out: 'cap', port: 0 });",
      'const port: number = sidecar.port;',
      "const verdict: Verdict['verdict'] = 'not-leaked';",
      "function host(f: Finding): string { return f.host; }",
      // The types are real, not `any`: each wrong use below must be an error.
      '// @ts-expect-error out is a string',
      'new CaptureSidecar({ out: 42 });',
      "// @ts-expect-error not a verdict",
      "const wrong: Verdict['verdict'] = 'clean';",
      '// @ts-expect-error visit() needs the steps that load the page',
      "const noSteps = () => phonehome().visit('https://a.example/');",
      'export { port, verdict, host, wrong, defineSuite, service, visit, noSteps, teardown, hooks };',
    ].join('\n'));
    const result = await run(process.execPath, [TSC, '-p', app]).then(() => ({ ok: true, out: '' }), (e: { stdout: string }) => ({ ok: false, out: e.stdout }));
    expect(result.out).to.equal('');
    expect(result.ok).to.equal(true);
  });

  it('npx phonehome --version prints the package version', async () => {
    const { stdout } = await run('npx', ['--no-install', 'phonehome', '--version'], { cwd: app });
    expect(stdout.trim()).to.equal(version);
    const short = await run(path.join(app, 'node_modules', '.bin', 'phonehome'), ['-V'], { cwd: app });
    expect(short.stdout.trim()).to.equal(version);
  });

  it('finds its data files from dist: phonehome profiles lists and validates the shipped profiles', async () => {
    // sim/profiles/*.json and profile.schema.json are read beside the compiled loader.
    const { stdout } = await run(path.join(app, 'node_modules', '.bin', 'phonehome'), ['profiles'], { cwd: app });
    expect(stdout).to.match(/^redmi-note-8-2020 +Redmi Note 8, Android 10/m);
  });

  it('phonehome run: --help, the shipped suites found in the install, and Appium missing is a one-line fix with exit 2', async () => {
    const bin = path.join(app, 'node_modules', '.bin', 'phonehome');
    const help = await run(bin, ['run', '--help'], { cwd: app });
    expect(help.stdout).to.match(/^Usage: phonehome run SUITE/m);
    // The suites are compiled into dist/scenarios: an unknown name lists them from the install.
    const unknown = await run(bin, ['run', 'no-such-suite', '--out', path.join(tmp, 'reports')], { cwd: app }).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(unknown?.code).to.equal(2);
    expect(unknown!.stderr.trim().split('\n')).to.deep.equal([
      `unknown suite 'no-such-suite' (suites in node_modules/phonehome/dist/scenarios: browser-code-matrix-2020, compare-browsers, forbes-2020, forbes-2020-events, forbes-2020-fixed, fsecure-2014, fsecure-2014-ota, incognito-guard, leith-2020, miui-system-2020, smoke)`,
    ]);
    // appium is an optional peer dependency this project did not install: the run stops before
    // touching a phone (the shipped devices.json's simulated phone starts no Appium of its own).
    const noAppium = await run(bin, ['run', 'smoke', '--out', path.join(tmp, 'reports')], { cwd: app }).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(noAppium?.code).to.equal(2);
    const lines = noAppium!.stderr.trim().split('\n');
    expect(lines, noAppium!.stderr).to.have.length(1);
    expect(lines[0]).to.contain('run: npm install appium@3 appium-uiautomator2-driver@8');
    expect(readdirSync(tmp), 'a run folder for a run that could not start').to.not.include('reports');
  });

  it('phonehome capture starts from the compiled bin, listens on 127.0.0.1 and stops on SIGTERM', async () => {
    const out = path.join(app, 'cap');
    capture = spawn(path.join(app, 'node_modules', '.bin', 'phonehome'), ['capture', '--port', '0', '--out', out], {
      cwd: app,
      env: { ...process.env, PHONEHOME_HOME: path.join(tmp, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    capture.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const lines = createInterface({ input: capture.stdout! });
    const [line] = (await Promise.race([once(lines, 'line'), once(capture, 'exit').then(() => { throw new Error(`capture exited before ready: ${stderr}`); })])) as [string];
    const ready = JSON.parse(line) as { ready: boolean; port: number; pid: number; url: string };
    expect(ready).to.include({ ready: true, pid: capture.pid, url: `http://127.0.0.1:${ready.port}` });
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(ready.port, '127.0.0.1', () => { socket.end(); resolve(); });
      socket.on('error', reject);
    });
    process.kill(capture.pid!, 'SIGTERM');
    const [code] = (await once(capture, 'exit')) as [number | null];
    expect(code, stderr).to.equal(0);
    const markers = readFileSync(path.join(out, 'markers.jsonl'), 'utf8');
    expect(markers).to.contain('"capture-stop"');
  });
});
