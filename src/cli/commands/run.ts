/** `chunkmill run <file|-> --task ./task.js`: runs a user task module and prints its result as JSON. */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { addInputOptions, addOutputOptions, jobOptions, examples, WHERE_HELP, type CommonFlags } from '../flags.js';
import { resolveInput } from '../input-args.js';
import { taskJob } from '../jobs.js';
import { execute } from '../execute.js';
import { withOutput, write } from '../ui/output.js';

interface RunOptions extends CommonFlags {
  task: string;
  params?: unknown;
  pretty?: boolean;
}

function parseParams(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidArgumentError('expected JSON, e.g. \'{"top": 10}\'');
  }
}

/** A path is resolved against the current directory (import() would resolve it against this file); URLs pass through. */
export function taskUrl(spec: string): string {
  if (/^(file|data):/.test(spec)) return spec;
  return pathToFileURL(isAbsolute(spec) ? spec : resolve(process.cwd(), spec)).href;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description(
      'run a task module (default export: defineTask({ init, reduce, combine, finalize? })) and print its result as JSON',
    )
    .argument('[files...]', "CSV files, globs or s3:// and https:// URLs, as one dataset; '-' or nothing reads stdin")
    .requiredOption('--task <module>', 'path (relative to the current directory) or file: URL of the task module')
    .option('--params <json>', 'JSON value handed to the task as ctx.params', parseParams)
    .option('--pretty', 'indent the JSON result');
  addInputOptions(cmd, {
    badNumber: 'a value that is not a number, read by row.number() or a --where comparison',
    checkpoint: true,
    taskErrors: true,
  });
  addOutputOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill run sales.csv --task ./top-products.js',
      'chunkmill run sales.csv --task ./top-products.js --params \'{"top": 5}\' --pretty',
      'cat sales.csv | chunkmill run - --task ./count-rows.mjs',
      '',
      'A task module (ESM):',
      "  import { defineTask } from 'chunkmill';",
      '  export default defineTask({',
      '    init: () => ({ rows: 0 }),',
      '    reduce: (acc, row) => { acc.rows++; },',
      '    combine: (a, b) => ({ rows: a.rows + b.rows }),',
      '  });',
      'ctx.log(message) lines go to stderr (not with --quiet); the result goes to stdout.',
      'A throw in the task fails the job at once; --retry-task-errors retries it like a dead worker.',
      ...WHERE_HELP,
    ]),
  );
  cmd.action(async (file: string[], o: RunOptions) => {
    const base = { input: resolveInput(file), ...jobOptions(o) };
    await withOutput(o.output, async (stream) => {
      const { value } = await execute(taskJob<unknown>(base, taskUrl(o.task), o.params), { ...o, input: base.input });
      // undefined (a task that returns nothing) is not JSON; null is.
      await write(stream, JSON.stringify(value ?? null, null, o.pretty ? 2 : undefined) + '\n');
    });
  });
  return cmd;
}
