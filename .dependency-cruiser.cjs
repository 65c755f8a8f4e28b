// The import arrows the architecture allows (docs/architecture.md), checked by `npm run boundaries`
// (part of `npm test`). Layers, lowest first: engine (pure) and infra (process plumbing); store
// and feed; runtime; projections, api, tui, workload, sim; commands and the cli; bench and test
// on top. An arrow may only point down (or sideways where a rule below does not forbid it).
const SRC_TOP = 'src/(commands|cli\\.ts)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-is-pure',
      comment: 'src/engine is pure and deterministic: it imports nothing outside itself (no node:*, no npm package, no other folder)',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { pathNot: '^src/engine/' },
    },
    {
      name: 'infra-is-a-leaf',
      comment: 'src/infra (logger, line I/O, PRNG, metrics server) is used by everyone and uses no other part of src',
      severity: 'error',
      from: { path: '^src/infra/' },
      to: { path: '^src/', pathNot: '^src/infra/' },
    },
    {
      name: 'store-below-runtime',
      comment: 'the stores never import the runtime, the commands or anything built on them',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: `^(src/(runtime|api|feed|projections|tui|sim|workload)/|${SRC_TOP})` },
    },
    {
      name: 'feed-below-runtime',
      comment: 'price sources and the oracle know the engine and infra only: the runtime and the stores reach them through commands',
      severity: 'error',
      from: { path: '^src/feed/' },
      to: { path: `^(src/(runtime|store|api|projections|tui|sim|workload)/|${SRC_TOP})` },
    },
    {
      name: 'runtime-below-commands',
      comment: 'engine ← runtime ← commands: the runtime never imports what is built on it',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: `^(src/(api|projections|tui|sim|workload)/|${SRC_TOP})` },
    },
    {
      name: 'read-side-below-commands',
      comment: "projections, the gateway and the viewer do not import each other's processes, the simulator or the commands",
      severity: 'error',
      from: { path: '^src/(projections|api|tui)/' },
      to: { path: `^(src/(sim|workload|feed)/|${SRC_TOP})` },
    },
    {
      name: 'projections-below-api-and-tui',
      comment: 'the read models are read by the gateway and the viewer, never the other way',
      severity: 'error',
      from: { path: '^src/projections/' },
      to: { path: '^src/(api|tui)/' },
    },
    {
      name: 'only-the-cli-imports-commands',
      comment: 'src/commands are the entry points of the subcommands; no source but src/cli.ts imports them (their tests may)',
      severity: 'error',
      from: { path: '^(src|bench)/', pathNot: `^${SRC_TOP}` },
      to: { path: '^src/commands/' },
    },
    {
      name: 'nothing-imports-bench',
      comment: 'bench/ sits on top: no source file and no test imports it (bin/relayer wires `relayer bench`)',
      severity: 'error',
      from: { pathNot: '^bench/' },
      to: { path: '^bench/' },
    },
    {
      name: 'nothing-imports-test',
      comment: 'tests sit on top: no source file or benchmark imports them',
      severity: 'error',
      from: { path: '^(src|bench)/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that does not resolve is a broken arrow',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
