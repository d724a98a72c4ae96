/**
 * The chunkmill command line: `chunkmill aggregate|convert|stats|run <file|->`, `chunkmill serve`, and
 * `chunkmill worker` for a cluster. Started by main.ts, from the bundle that `npm run build` makes
 * of this module and what it imports (support/bundle-cli.mjs).
 *
 * Exit statuses: 0 success (also when stdout's reader left early: `| head`), 1 data or runtime
 * error, 2 usage error, 130 Ctrl-C. Errors are one
 * line `chunkmill: <message> [code]`, maybe a `hint:` line, and a stack trace only with --debug.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { earlyPoolThreads } from './early-pool.js';
import { EXIT } from './exit.js';
import { examples } from './ui/examples.js';
import { stdoutClosed, watchStdout } from './ui/broken-pipe.js';

/**
 * Each command, in the order help lists them, by the module that defines it. A command's module
 * pulls in the engine, the job model and their packages (about 0.4 s of CPU at start), so a process
 * imports only the command it runs: `chunkmill --version` none, `chunkmill aggregate ...` one.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  aggregate: async () => (await import('./commands/aggregate.js')).aggregateCommand(),
  convert: async () => (await import('./commands/convert.js')).convertCommand(),
  stats: async () => (await import('./commands/stats.js')).statsCommand(),
  run: async () => (await import('./commands/run.js')).runCommand(),
  submit: async () => (await import('./commands/submit.js')).submitCommand(),
  jobs: async () => (await import('./commands/jobs.js')).jobsCommand(),
  engine: async () => (await import('./commands/engine.js')).engineCommand(),
  serve: async () => (await import('./commands/serve.js')).serveCommand(),
  worker: async () => (await import('./commands/worker.js')).workerCommand(),
};

/**
 * The commands that parsing `args` (argv after the script) can reach. Commander dispatches on the
 * first operand (the program's own options, -V and -h, take no value), and `help <command>` on the
 * second; a known command there is the only one needed. -V before it prints the version alone:
 * none. Otherwise (-h before it, no command, an unknown one) help or the error lists or suggests
 * every command, so all are loaded.
 */
export function commandsFor(args: readonly string[]): string[] {
  const all = Object.keys(COMMANDS);
  const at = args.findIndex((a) => !a.startsWith('-'));
  const options = at < 0 ? args : args.slice(0, at);
  if (options.length > 0) return options.every((a) => a === '-V' || a === '--version') ? [] : all;
  const operands = args.filter((a) => !a.startsWith('-'));
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : all;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The program with the commands named (all by default: see commandsFor). */
export async function buildProgram(names: readonly string[] = Object.keys(COMMANDS)): Promise<Command> {
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
  const wanted = Object.entries(COMMANDS).filter(([name]) => names.includes(name));
  const commands = await Promise.all(wanted.map(([, load]) => load()));
  for (const cmd of commands) program.addCommand(cmd);
  // Errors are printed by main() in one format; commander must throw instead of exiting.
  const all = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(all)];
  for (const cmd of all(program)) cmd.exitOverride().configureOutput({ outputError: () => {} });
  return program;
}

async function main(argv: string[]): Promise<number> {
  watchStdout();
  const command = argv.slice(2).find((a) => Object.hasOwn(COMMANDS, a));
  const debug = argv.includes('--debug');
  try {
    const threads = earlyPoolThreads(argv.slice(2));
    if (threads !== null) (await import('../start-up.js')).startPoolEarly(threads);
    const program = await buildProgram(commandsFor(argv.slice(2)));
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      // `chunkmill help <command>` (exit code 0), or `chunkmill` alone (1): the help is printed already.
      if (e.code === 'commander.help') return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { describeError, exitCodeFor, Interrupted } = await import('./errors.js');
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
