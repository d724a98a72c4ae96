/**
 * The suite in two groups, one after the other (CONTRIBUTING.md, Tests):
 *
 * - shared: every file but the few below, four at a time. On the 2-core CI machine one file at a
 *   time (vitest's default there: cores - 1) left a core idle while a file waited on a child
 *   process, a redis-server, a PostgreSQL cluster, a lease or a timer; three kept both busy, and
 *   four took the suite from 433 s to 408 s once the PostgreSQL files came (one CI run each, at
 *   similar loads of the shared machine). No test in them depends on
 *   having the machine to itself: a job that must still be running when the test acts is held by
 *   a gate (test/helpers/gate.ts), waits are for conditions, and bounds on time leave seconds.
 * - alone: files that must not share the machine, run one at a time after the rest:
 *   - dashboard.test.ts drives a real Chromium, heavy enough to slow every file beside it;
 *   - faults-retries.test.ts gives healthy chunks a 1 s timeout (a cold thread's first chunk, on
 *     a machine that is busy with other files, was seen to need most of it).
 *
 * Within a group the slowest files start first (SLOWEST below, measured in CI), so that the last
 * file to finish is a short one; vitest's own order (bigger files first, or the last run's times,
 * which a fresh clone does not have) put the then 50 s fixture matrix last.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ALONE = [
  'test/server/dashboard.test.ts',
  // A real Chromium too, on 300 jobs: beside three other files it would wait on the CPU, not on the page.
  'test/server/dashboard-queue.test.ts',
  'test/exec/faults-retries.test.ts',
];

/**
 * The slowest files, slowest first: CI run 17 (four files at a time, 2-core machine, 2026-12-06),
 * and "~" for files whose sweeps now run on warm pools (test/helpers/warm-pools.ts), which are
 * estimates: CI 17's time scaled by the CPU time each took alone before and after.
 */
const SLOWEST = [
  'test/cli/expressions.test.ts', // 97 s
  'test/cli/messy-files.test.ts', // 82 s
  'test/datasets/object-datasets.test.ts', // 62 s
  'test/datasets/union-columns.test.ts', // 32 s (CI run 19)
  'test/datasets/gzip-parts.test.ts', // 30 s (CI run 19)
  'test/cli/silent-wrong.test.ts', // 57 s
  'test/cli/errors.test.ts', // 50 s
  'test/cli/aggregate.test.ts', // 45 s
  'test/cli/sniff.test.ts', // 45 s
  'test/cluster/engine-outages.test.ts', // 34 s
  'test/cli/jobs-controls.test.ts', // 32 s
  'test/cli/broken-pipe.test.ts', // 28 s
  'test/schedule/fuzz-mutations.test.ts', // ~24 s (132 s)
  'test/jobs/store-journal.test.ts', // 24 s
  'test/cli/convert.test.ts', // 24 s
  'test/cli/stdin.test.ts', // 23 s
  'test/cli/results.test.ts', // 23 s
  'test/api/commonjs.test.ts', // 23 s
  'test/store/postgres-hosts.test.ts', // 22 s
  'test/store/postgres-restart.test.ts', // 21 s
  'test/cluster/worker-faults.test.ts', // 21 s
  'test/cli/exact-answers.test.ts', // 21 s
  'test/kinds/task-errors.test.ts', // 21 s
  'test/kinds/memory-budget.test.ts', // 21 s
  'test/datasets/dataset-checkpoint.test.ts', // 19 s (CI run 19)
  'test/kinds/group-measures-bytes.test.ts', // 18 s (CI run 19)
  'test/datasets/object-outputs.test.ts', // 18 s (CI run 19)
  'test/schedule/errors-line-numbers.test.ts', // ~20 s (34 s; one 15 s test of thousands of chunks)
  'test/cluster/identical-results.test.ts', // 20 s
  'test/cluster/redis-faults.test.ts', // 19 s
  'test/cli/jobs.test.ts', // 19 s
  'test/input/input-kinds.test.ts', // ~16 s (74 s)
  'test/kinds/transform-output.test.ts', // ~14 s (85 s)
  'test/kinds/task-rows-in-order.test.ts', // ~14 s (79 s)
  'test/datasets/cli-output-s3.test.ts', // 14 s
  'test/schedule/fixtures-matrix.test.ts', // ~13 s (75 s)
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files); // groups in order; the rest of its order breaks ties
    const rank = (spec: TestSpecification) => {
      const i = SLOWEST.indexOf(relative(spec.project.config.root, spec.moduleId));
      return i < 0 ? SLOWEST.length : i;
    };
    const group = (spec: TestSpecification) => spec.project.config.sequence.groupOrder;
    return sorted.sort((a, b) => group(a) - group(b) || rank(a) - rank(b)); // stable
  }
}

export default defineConfig({
  test: {
    // A test's time limit guards against a hang, not a slow machine: vitest's 5 s default failed
    // CLI tests that start several processes each, on a CI machine busy with three files and more.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    sequence: { sequencer: SlowestFirst },
    // The package under test (dist/, as 'chunkmill' and as the paths some tests import) is loaded by
    // Node itself, not run through vite's module runner: that transformed and evaluated its ~320 modules
    // afresh in every test file, 219 s of "import" in a CI run. Natively it
    // is the same code, as users load it. Nothing is mocked (no vi.mock in test/), so no test needs
    // the runner's hooks in it. Twelve small files, A/B twice (load 25): 60 -> 35 s and 38 -> 29 s
    // wall, 16.9 -> 10.8 s and 14.6 -> 10.5 s of CPU.
    server: {
      deps: { external: [new RegExp(`^${escapeRegExp(fileURLToPath(new URL('./dist/', import.meta.url)))}`)] },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE],
          maxWorkers: 4,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
