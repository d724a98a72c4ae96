/**
 * The suite in two groups, one after the other (CONTRIBUTING.md, Tests):
 *
 * - shared: every file but the few below, three at a time. On the 2-core CI machine one file at a
 *   time (vitest's default there: cores - 1) left a core idle while a file waited on a child
 *   process, a redis-server, a lease or a timer; three keep both busy. No test in them depends on
 *   having the machine to itself: a job that must still be running when the test acts is held by
 *   a gate (test/helpers/gate.ts), waits are for conditions, and bounds on time leave seconds.
 * - alone: files that must not share the machine, run one at a time after the rest:
 *   - install.test.ts runs `npm install -g .`, whose `prepare` rebuilds dist/ in place, under the
 *     feet of every other file that loads it;
 *   - dashboard.test.ts drives a real Chromium, heavy enough to slow every file beside it;
 *   - faults-retries.test.ts gives healthy chunks a 1 s timeout (a cold thread's first chunk, on
 *     a machine that is busy with other files, was seen to need most of it).
 *
 * Within a group the slowest files start first (SLOWEST below, measured in CI), so that the last
 * file to finish is a short one; vitest's own order (bigger files first, or the last run's times,
 * which a fresh clone does not have) put the 50 s fixture matrix last.
 */
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ALONE = ['test/cli/install.test.ts', 'test/server/dashboard.test.ts', 'test/exec/faults-retries.test.ts'];

/** The slowest files, slowest first (one worker, 2-core CI machine, before the split). */
const SLOWEST = [
  'test/schedule/fixtures-matrix.test.ts', // 52 s
  'test/schedule/fuzz-mutations.test.ts', // 43 s
  'test/csv/property-fastcsv.test.ts', // 34 s
  'test/cli/broken-pipe.test.ts', // 23 s
  'test/kinds/task-rows-in-order.test.ts', // 21 s
  'test/kinds/transform-output.test.ts', // 20 s
  'test/kinds/min-max-ties.test.ts', // 19 s
  'test/cluster/worker-faults.test.ts', // 17 s
  'test/input/input-kinds.test.ts', // 16 s
  'test/schedule/errors-line-numbers.test.ts', // 16 s
  'test/schedule/bare-quote-mismatch.test.ts', // 14 s
  'test/csv/bad-input-unclosed-quote.test.ts', // 13 s
  'test/cluster/redis-faults.test.ts', // 13 s
  'test/server/restart.test.ts', // 12 s
  'test/cli/where.test.ts', // 11 s
  'test/kinds/task-errors.test.ts', // 10 s
  'test/cli/run.test.ts', // 10 s
  'test/cli/progress.test.ts', // 10 s
  'test/cli/stdin.test.ts', // 10 s
];

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
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE],
          maxWorkers: 3,
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
