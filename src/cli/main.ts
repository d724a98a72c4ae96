#!/usr/bin/env node
/**
 * The chunkmill command line: `chunkmill aggregate|convert|stats|run <file|->`, `chunkmill serve`, and
 * `chunkmill worker` for a cluster.
 *
 * Exit statuses: 0 success (also when stdout's reader left early: `| head`), 1 data or runtime
 * error, 2 usage error, 130 Ctrl-C. Errors are one
 * line `chunkmill: <message> [code]`, maybe a `hint:` line, and a stack trace only with --debug.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { aggregateCommand } from './commands/aggregate.js';
import { convertCommand } from './commands/convert.js';
import { engineCommand } from './commands/engine.js';
import { jobsCommand } from './commands/jobs.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { statsCommand } from './commands/stats.js';
import { submitCommand } from './commands/submit.js';
import { workerCommand } from './commands/worker.js';
import { describeError, EXIT, exitCodeFor, Interrupted } from './errors.js';
import { examples } from './flags.js';
import { stdoutClosed, watchStdout } from './ui/broken-pipe.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('chunkmill')
    .description('Process large CSV files on every core: aggregate, convert, profile, or run your own task.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      examples([
        'chunkmill aggregate sales.csv --group-by region --count --sum amount --sort -count',
        'chunkmill aggregate flights.csv -g origin --median delay --where \'delay > 0 and dest = "LAS"\'',
        'chunkmill convert sales.csv --select region,amount > sales.ndjson',
        'chunkmill stats sales.csv',
        'chunkmill run sales.csv --task ./top-products.js',
        'chunkmill serve --data-dir ./data',
        'chunkmill worker --redis redis://10.0.0.5:6379   (then --cluster redis://10.0.0.5:6379 on a command)',
        '',
        "'chunkmill <command> --help' shows each command's options and more examples.",
        'Exit status: 0 ok (also when a reader such as head leaves early), 1 data or runtime error,',
        '2 usage error, 130 interrupted (Ctrl-C).',
      ]),
    );
  for (const cmd of [aggregateCommand(), convertCommand(), statsCommand(), runCommand()]) program.addCommand(cmd);
  program.addCommand(submitCommand()).addCommand(jobsCommand()).addCommand(engineCommand());
  program.addCommand(serveCommand()).addCommand(workerCommand());
  // Errors are printed by main() in one format; commander must throw instead of exiting.
  const all = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(all)];
  for (const cmd of all(program)) cmd.exitOverride().configureOutput({ outputError: () => {} });
  return program;
}

async function main(argv: string[]): Promise<number> {
  watchStdout();
  const program = buildProgram();
  const command = argv.slice(2).find((a) => program.commands.some((c) => c.name() === a));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      // `chunkmill help <command>` (exit code 0), or `chunkmill` alone (1): the help is printed already.
      if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // `chunkmill convert big.csv | head`: the reader left, the job has stopped; not an error worth a word.
    if (!(e instanceof Interrupted) && (stdoutClosed.aborted || brokenPipe(e))) return EXIT.ok;
    for (const line of describeError(e, command, debug)) process.stderr.write(line + '\n');
    return exitCodeFor(e);
  }
}

function brokenPipe(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  return (
    err?.code === 'EPIPE' ||
    err?.cause?.code === 'EPIPE' ||
    (err?.code === 'ERR_OUTPUT' && /\bEPIPE\b/.test(String(err.message)))
  );
}

const code = await main(process.argv);
// Exit explicitly once stdout has drained: nothing (a paused stdin, a stray timer) may keep a
// finished command alive. Writes to files and pipes are synchronous on POSIX; this covers TTYs.
// A closed stdout has nothing left to drain.
if (stdoutClosed.aborted) process.exit(code);
else process.stdout.write('', () => process.exit(code));
