/**
 * `npm run bench` options (node:util parseArgs: no dependency for a dozen flags).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDataDir } from './data.ts';
import { PEERS, type PeerName } from './peers.ts';
import { parseSize } from './util.ts';

export const HELP = `Usage: npm run bench -- [options]

Generates seeded CSV data into a temp directory (reused by later runs), then measures the engine
with 1, 2, 4, ... --max-workers worker threads, its serial in-process path, and single-threaded
peers doing the same group-by, each configuration in a fresh process. Checks that every
configuration gives the same answer; prints a table and writes bench/results/ (JSON, SVG, MD).

  --size SIZE             sales file for the engine matrix (default 200MB; e.g. 1GB, 20MB)
  --wide-size SIZE        wide numeric file (default 100MB)
  --peers-size SIZE|full  peers run on this prefix of the sales data (default 50MB; 'full': the
                          --size file). The engine also runs on the prefix, for a same-file check
  --peers LIST            comma-separated subset of: ${PEERS.map((p) => p.name).join(', ')}
  --max-workers N         largest pool (default os.availableParallelism() = ${availableParallelism()})
  --chunk-size SIZE       engine chunk size (default: the engine's, 8 MiB)
  --iterations N          timed runs per engine configuration (default 5), after --warmup runs
  --peers-iterations N    timed runs per peer (default 3)
  --warmup N              untimed runs before timing (default 1)
  --micro-size SIZE       in-memory buffer for the microbenchmarks (default 32MB)
  --flights-size SIZE     flight-like data for stats vs DuckDB's SUMMARIZE (default 106MB)
  --versus-runs N         whole-process runs per side of each chunkmill-vs-DuckDB job (default 5)
  --warm-runs N           runs per side of the group-by on a warm engine against DuckDB on a warm
                          connection, in one process (default 10)
  --skip LIST             comma-separated: wide, peers, duckdb, versus, warm, overhead, micro
  --seed N                data seed (default 42)
  --data-dir DIR          where datasets are generated and cached (default $TMPDIR/chunkmill-bench)
  --out DIR               results directory (default bench/results)
  --clean                 delete the data directory at the end
  --rss-check             only compare peak RSS on --size vs --rss-large (default 1GB) and exit:
                          aggregate on the file (max workers, serial), on a read stream, and a
                          transform to NDJSON, each in a fresh process
  --rss-large SIZE        the large file for --rss-check
  --rss-mid SIZE          also run a middle size: then the large peak is compared with the larger
                          of the small and middle peaks (growth must have stopped)
  -h, --help
`;

export type Skippable = 'wide' | 'peers' | 'duckdb' | 'versus' | 'warm' | 'overhead' | 'micro';
const SKIPPABLE: readonly Skippable[] = ['wide', 'peers', 'duckdb', 'versus', 'warm', 'overhead', 'micro'];

export interface BenchOptions {
  size: number;
  wideSize: number;
  /** null: the peers run on the main sales file. */
  peersSize: number | null;
  peers: PeerName[];
  maxWorkers: number;
  chunkSize: number | undefined;
  iterations: number;
  peersIterations: number;
  warmup: number;
  microSize: number;
  flightsSize: number;
  versusRuns: number;
  warmRuns: number;
  skip: Set<Skippable>;
  seed: number;
  dataDir: string;
  out: string;
  clean: boolean;
  rssCheck: boolean;
  rssLarge: number;
  rssMid: number | undefined;
  help: boolean;
}

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new Error(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}

function list<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items)
    if (!allowed.includes(item as T))
      throw new Error(`--${name}: unknown ${JSON.stringify(item)}; expected some of ${allowed.join(', ')}`);
  return items as T[];
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      size: { type: 'string', default: '200MB' },
      'wide-size': { type: 'string', default: '100MB' },
      'peers-size': { type: 'string', default: '50MB' },
      peers: {
        type: 'string',
        default: PEERS.filter((p) => p.name !== 'duckdb')
          .map((p) => p.name)
          .join(','),
      },
      'max-workers': { type: 'string', default: String(availableParallelism()) },
      'chunk-size': { type: 'string' },
      iterations: { type: 'string', default: '5' },
      'peers-iterations': { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      'micro-size': { type: 'string', default: '32MB' },
      'flights-size': { type: 'string', default: '106MB' },
      'versus-runs': { type: 'string', default: '5' },
      'warm-runs': { type: 'string', default: '10' },
      skip: { type: 'string', default: '' },
      seed: { type: 'string', default: '42' },
      'data-dir': { type: 'string', default: defaultDataDir() },
      out: { type: 'string', default: fileURLToPath(new URL('./results', import.meta.url)) },
      clean: { type: 'boolean', default: false },
      'rss-check': { type: 'boolean', default: false },
      'rss-large': { type: 'string', default: '1GB' },
      'rss-mid': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const size = parseSize(values.size, 'size');
  const peersSize = values['peers-size'] === 'full' ? null : parseSize(values['peers-size'], 'peers-size');
  return {
    size,
    wideSize: parseSize(values['wide-size'], 'wide-size'),
    peersSize: peersSize === null || peersSize >= size ? null : peersSize,
    peers: list(
      'peers',
      values.peers,
      PEERS.map((p) => p.name),
    ),
    maxWorkers: count('max-workers', values['max-workers'], 1),
    chunkSize: values['chunk-size'] === undefined ? undefined : parseSize(values['chunk-size'], 'chunk-size'),
    iterations: count('iterations', values.iterations, 1),
    peersIterations: count('peers-iterations', values['peers-iterations'], 1),
    warmup: count('warmup', values.warmup, 0),
    microSize: parseSize(values['micro-size'], 'micro-size'),
    flightsSize: parseSize(values['flights-size'], 'flights-size'),
    versusRuns: count('versus-runs', values['versus-runs'], 1),
    warmRuns: count('warm-runs', values['warm-runs'], 1),
    skip: new Set(list('skip', values.skip, SKIPPABLE)),
    seed: count('seed', values.seed, 0),
    dataDir: values['data-dir'],
    out: values.out,
    clean: values.clean,
    rssCheck: values['rss-check'],
    rssLarge: parseSize(values['rss-large'], 'rss-large'),
    rssMid: values['rss-mid'] === undefined ? undefined : parseSize(values['rss-mid'], 'rss-mid'),
    help: values.help,
  };
}
