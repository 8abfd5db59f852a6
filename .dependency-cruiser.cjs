/**
 * The layer order of DESIGN.md, enforced by test/harness/layersPointDown.test.ts (and usable as
 * `npx depcruise --config .dependency-cruiser.cjs harness sim`).
 *
 * Arrows point down only: a folder of harness/ may import the folders before it in LAYERS, never
 * one after it; no import cycles anywhere; sim/ is standalone (imports nothing from harness/), and
 * harness/ reaches sim/ only from cli/ (the `sim` and `profiles` commands).
 */
const LAYERS = ['config', 'device', 'drive', 'capture', 'detect', 'report', 'scenario', 'run', 'wdio', 'cli'];
/**
 * Folders beside the layers: `setup` (system programs `doctor` checks) sits with config at the
 * bottom and imports no layer; harness/errors.ts and harness/visit.ts (the Visit and Canary records
 * that cross layers) are the base every layer may import.
 */
const BOTTOM = ['setup'];

const upward = LAYERS.map((layer, i) => ({
  name: `${layer}-points-down`,
  comment: `harness/${layer}/ may import only ${['errors.ts', 'visit.ts', ...BOTTOM, ...LAYERS.slice(0, i)].join(', ')} (DESIGN.md "Arrows point down only")`,
  severity: 'error',
  from: { path: `^harness/${layer}/` },
  to: { path: `^harness/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  LAYERS,
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle: one of the modules on it must not import the other',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      // A cycle made only of `import type` is erased at compile time (no evaluation-order bug), but
      // still two modules that each need the other: reported, to be untangled by the folder's owner.
      name: 'no-type-only-circular',
      comment: 'an import cycle through `import type` only',
      severity: 'warn',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'bottom-imports-no-layer',
      comment: `harness/${BOTTOM.join(', ')} imports only harness/errors.ts`,
      severity: 'error',
      from: { path: `^harness/(${BOTTOM.join('|')})/` },
      to: { path: `^harness/(${LAYERS.join('|')})/` },
    },
    {
      name: 'base-imports-no-layer',
      comment: 'harness/errors.ts and harness/visit.ts are the base every layer imports; they import no layer',
      severity: 'error',
      // harness/index.ts (the package's root export, the suite API), harness/mocha.ts (the stock-mocha plugin) and harness/bin.ts (the installed
      // command) are the package's entry points: they sit above every layer, like cli/.
      from: { path: '^harness/[^/]+\\.ts$', pathNot: '^harness/(index|bin|mocha)\\.ts$' },
      to: { path: '^harness/[^/]+/' },
    },
    {
      name: 'sim-standalone',
      comment: 'sim/ imports nothing from harness/ (DESIGN.md: the simulator is standalone)',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^harness/' },
    },
    {
      name: 'harness-reaches-sim-only-from-cli',
      comment: 'only harness/cli/ (the sim and profiles commands) may import sim/',
      severity: 'error',
      from: { path: '^harness/', pathNot: '^harness/cli/' },
      to: { path: '^sim/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type that points up is a layer violation too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
