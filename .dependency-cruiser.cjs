/**
 * The layer order of DESIGN.md, enforced by test/harness/layersPointDown.test.ts (and usable as
 * `npx depcruise --config .dependency-cruiser.cjs harness sim`).
 *
 * Arrows point down only: a folder of harness/ may import the folders before it in LAYERS, never
 * one after it; no import cycles anywhere; sim/ is standalone (imports nothing from harness/), and
 * harness/ reaches sim/ only from cli/ (the `sim` and `profiles` commands).
 */
const LAYERS = ['config', 'device', 'drive', 'capture', 'detect', 'report', 'scenario', 'run', 'cli'];
/**
 * Folders beside the layers: `setup` (system programs `doctor` checks) sits with config at the
 * bottom and imports no layer; harness/errors.ts is the one module every layer may import.
 */
const BOTTOM = ['setup'];

const upward = LAYERS.map((layer, i) => ({
  name: `${layer}-points-down`,
  comment: `harness/${layer}/ may import only ${['errors.ts', ...BOTTOM, ...LAYERS.slice(0, i)].join(', ')} (DESIGN.md "Arrows point down only")`,
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
      name: 'errors-import-nothing',
      comment: 'harness/errors.ts is the base every layer imports; it imports no layer',
      severity: 'error',
      from: { path: '^harness/errors\\.ts$' },
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
