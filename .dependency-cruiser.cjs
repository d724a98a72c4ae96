/**
 * The architecture, as rules `npm test` checks (npm run deps): no import cycles, and imports
 * point one way through the pipeline's layers (see CONTRIBUTING.md):
 *
 *   api, errors  <-  csv  <-  kinds  <-  input  <-  worker          (what runs in a thread)
 *                                  ^          ^
 *                                plan  <-  schedule  <-  job  <-  engine  <-  index  <-  cli
 *                                  ^           |         |          ^
 *                                  |         exec  <-  cluster      |   (exec: the Executor seam; exec/protocol.ts is
 *                                  |                                |    types only. cluster: the executor via Redis,
 *                                  |                                |    for job and engine)
 *                                  └──  queue  <────────────────────┘   (store <- queue <- engine)
 *
 * store (the JobStore backend) knows records only: api types and errors, nothing of the pipeline.
 * cli and server (chunkmill serve, beside the CLI) use the public index, plus the internal entry
 * (src/internal.ts: what they need that users do not get, such as the server's reader of a file's
 * columns); nothing else of src/. The public entries (index.ts, experimental.ts, server/index.ts)
 * and the internal one import anything: they only re-export.
 *
 * "A <- B": B may import A. Type-only imports follow the same rules, except that anyone may
 * import the worker protocol's types (exec/protocol.ts).
 */
const layer = (name, allowed) => ({
  name: `${name}-imports`,
  comment: `src/${name}/ may import only ${allowed.join(', ')}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/(${[name, ...allowed].join('|')})/`, '^src/errors\\.ts$', '^src/exec/protocol\\.ts$'],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import cycles, type-only ones included',
      from: {},
      to: { circular: true },
    },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    {
      name: 'errors-imports-nothing',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    layer('api', []),
    layer('csv', ['api']),
    layer('kinds', ['api', 'csv']),
    layer('input', ['api', 'csv', 'kinds', 'remote']),
    layer('worker', ['api', 'csv', 'kinds', 'input']),
    layer('exec', ['api', 'csv', 'kinds', 'input', 'remote']),
    layer('plan', ['api', 'csv', 'kinds', 'input', 'remote']),
    layer('schedule', ['api', 'csv', 'kinds', 'input', 'plan', 'exec', 'remote']),
    layer('cluster', ['api', 'csv', 'kinds', 'input', 'exec']),
    layer('job', ['api', 'csv', 'kinds', 'input', 'plan', 'exec', 'schedule', 'cluster', 'remote']),
    layer('store', ['api']),
    layer('remote', ['api']),
    layer('queue', ['api', 'plan', 'store', 'remote']),
    layer('engine', ['api', 'csv', 'kinds', 'input', 'plan', 'exec', 'schedule', 'job', 'store', 'queue', 'cluster']),
    {
      name: 'queue-no-file-system',
      comment:
        'the queue reaches stored jobs only through the JobStore (a store need not be a file): it never touches the file system',
      severity: 'error',
      from: { path: '^src/queue/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?fs(/promises)?$' },
    },
    {
      name: 'worker-entry-is-loaded-by-url',
      comment:
        'the worker entry is loaded by Piscina from its URL; importing it would run thread code on the coordinator',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/worker/' },
      to: { path: '^src/worker/' },
    },
    {
      name: 'cli-uses-the-public-api',
      comment:
        "the CLI imports the public index (and the server's), like any user of the library, the internal entry, the start-up entry (main's early pool), and the defaults (public as DEFAULTS; constants with no imports, which main reads before it loads the index)",
      severity: 'error',
      from: { path: '^src/cli/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/cli/',
          '^src/index\\.ts$',
          '^src/server/index\\.ts$',
          '^src/internal\\.ts$',
          '^src/start-up\\.ts$',
          '^src/api/defaults\\.ts$',
        ],
      },
    },
    {
      name: 'server-uses-the-public-api',
      comment: 'the server imports the public index and the internal entry',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/', pathNot: ['^src/server/', '^src/index\\.ts$', '^src/internal\\.ts$'] },
    },
    {
      name: 'only-the-cli-and-server-import-the-internal-entry',
      comment:
        'src/internal.ts is the way in for cli/ and server/ alone; the rest of src/ imports what it needs directly',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/server/'] },
      to: { path: '^src/internal\\.ts$' },
    },
    {
      name: 'only-the-cli-imports-the-server',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/server/'] },
      to: { path: '^src/server/' },
    },
    {
      name: 'only-the-cli-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
