/**
 * How the CLI reports failures: one line `chunkmill: <message> [code]`, an optional `hint:` line,
 * and an exit status that tells scripts what kind of failure it was.
 */
import { CommanderError } from 'commander';
import { ChunkmillError } from '../index.js';
import { EXIT } from './exit.js';
import { cliHint } from './ui/hints.js';

export { EXIT } from './exit.js';

/** A mistake on the command line itself, whatever the input: exit 2. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The job was cancelled by Ctrl-C (SIGINT): exit 130. The message is the line printed on stderr:
 * how far the job got, and what was kept or removed (execute.ts).
 */
export class Interrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof Interrupted) return EXIT.interrupted;
  if (error instanceof UsageError || error instanceof CommanderError) return EXIT.usage;
  // An invalid option is a usage error too: the CLI passes the user's values on to the engine.
  if (error instanceof ChunkmillError && error.code === 'ERR_INVALID_OPTION') return EXIT.usage;
  return EXIT.failure;
}

/** The lines to print on stderr for an error (without trailing newlines). */
export function describeError(error: unknown, command: string | undefined, debug: boolean): string[] {
  if (error instanceof Interrupted) return [error.message];
  const lines: string[] = [];
  if (error instanceof CommanderError) {
    // Commander's messages start with "error: "; ours carry the code at the end instead.
    lines.push(`chunkmill: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} [ERR_USAGE]`);
    lines.push(`hint: run 'chunkmill ${command ? command + ' ' : ''}--help' for usage and examples`);
  } else if (error instanceof UsageError || error instanceof ChunkmillError) {
    // The code ends the first line; lines after it (an expression with a caret) follow as they are.
    const [first, ...rest] = error.message.split('\n');
    lines.push(`chunkmill: ${first!.replace(/:$/, '')} [${error.code}]`, ...rest);
    if (error.hint) lines.push(`hint: ${cliHint(error.hint)}`);
    else if (error instanceof ChunkmillError && error.code === 'ERR_INVALID_OPTION') {
      lines.push(`hint: run 'chunkmill ${command ? command + ' ' : ''}--help' for usage and examples`);
    }
  } else {
    // Not one of ours: a bug or an unexpected system error. Say so rather than hide it.
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    lines.push(`chunkmill: ${message} [${typeof code === 'string' ? code : 'ERR_INTERNAL'}]`);
    if (!debug) lines.push('hint: rerun with --debug for a stack trace');
  }
  if (debug && error instanceof Error && error.stack) lines.push(error.stack);
  return lines;
}
