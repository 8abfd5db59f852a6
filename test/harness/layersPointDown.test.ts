import { expect } from 'chai';
import { cruise, type ICruiseResult, type IForbiddenRuleType, type IViolation } from 'dependency-cruiser';
import extractTsConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * DESIGN.md "Arrows point down only", checked by dependency-cruiser with the project's
 * .dependency-cruiser.cjs: config → device → drive → capture → detect → report → scenario → run →
 * cli, no import cycle, sim/ standalone, harness/ reaching sim/ only from cli/.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const config = require(path.join(ROOT, '.dependency-cruiser.cjs')) as {
  LAYERS: string[];
  forbidden: IForbiddenRuleType[];
  options: Record<string, unknown>;
};

async function cruiseTree(baseDir: string, tsConfigFile: string): Promise<ICruiseResult> {
  const result = await cruise(
    ['harness', 'sim'],
    { ...config.options, baseDir, tsConfig: { fileName: tsConfigFile }, validate: true, ruleSet: { forbidden: config.forbidden } },
    {},
    { tsConfig: extractTsConfig(tsConfigFile) },
  );
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, not a cruise result');
  return result.output;
}

function describeViolation(v: IViolation): string {
  const cycle = v.cycle?.length ? ` (cycle: ${v.cycle.map((c) => c.name).join(' → ')})` : '';
  return `${v.rule.name}: ${v.from} → ${v.to}${cycle}`;
}

describe('harness layers point down (dependency-cruiser)', function () {
  this.timeout(180_000);

  it('the code has no import cycle and no import against the layer order', async () => {
    const result = await cruiseTree(ROOT, path.join(ROOT, 'tsconfig.json'));
    expect(result.summary.totalCruised).to.be.greaterThan(200);
    const errors = result.summary.violations.filter((v) => v.rule.severity === 'error').map(describeViolation);
    expect(errors, errors.join('\n')).to.deep.equal([]);
  });

  describe('the rules catch what they forbid', () => {
    let dir: string;
    let result: ICruiseResult;
    before(async () => {
      // A tree shaped like the project with one of each forbidden import.
      dir = await mkdtemp(path.join(os.tmpdir(), 'phonehome-layers-'));
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['harness/**/*.ts', 'sim/**/*.ts'] }),
        'harness/errors.ts': 'export class PhonehomeError extends Error {}\n',
        'harness/config/index.ts': "import { main } from '../cli/main.js';\nexport const x = main;\n",
        'harness/device/index.ts': "import type { Verdict } from '../detect/verdicts.js';\nexport type V = Verdict;\n",
        'harness/detect/verdicts.ts': "import { b } from './b.js';\nexport type Verdict = 'leaked';\nexport const a = () => b;\n",
        'harness/detect/b.ts': "import { a } from './verdicts.js';\nexport const b = () => a;\n",
        'harness/scenario/index.ts': "import { sim } from '../../sim/index.js';\nexport const s = sim;\n",
        'harness/cli/main.ts': "import { sim } from '../../sim/index.js';\nimport { PhonehomeError } from '../errors.js';\nexport const main = () => [sim, PhonehomeError];\n",
        'sim/index.ts': "import { PhonehomeError } from '../harness/errors.js';\nexport const sim = PhonehomeError;\n",
      };
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await writeFile(path.join(dir, file), text);
      }
      result = await cruiseTree(dir, path.join(dir, 'tsconfig.json'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const errors = () => result.summary.violations.filter((v) => v.rule.severity === 'error').map(describeViolation);

    it('an import that points up, also when it imports only a type', () => {
      expect(errors()).to.include('config-points-down: harness/config/index.ts → harness/cli/main.ts');
      expect(errors()).to.include('device-points-down: harness/device/index.ts → harness/detect/verdicts.ts');
    });

    it('an import cycle', () => {
      expect(errors().some((e) => e.startsWith('no-circular: harness/detect/'))).to.equal(true, errors().join('\n'));
    });

    it('sim/ importing harness/, and harness/ importing sim/ anywhere but cli/', () => {
      expect(errors()).to.include('sim-standalone: sim/index.ts → harness/errors.ts');
      expect(errors()).to.include('harness-reaches-sim-only-from-cli: harness/scenario/index.ts → sim/index.ts');
      expect(errors().filter((e) => e.includes('harness/cli/main.ts →'))).to.deep.equal([]);
    });
  });
});
