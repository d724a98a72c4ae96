/**
 * Runs the built CLI (dist/cli/main.js, from `npm run build`) as a child process: with pipes, or
 * under a pseudo-terminal via util-linux `script` to see what a person at a terminal sees.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const CLI_FIXTURES = fileURLToPath(new URL('../../fixtures/cli/', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin, which is then closed; without it stdin is an empty pipe. */
  input?: string | Uint8Array;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** The environment of a plain run: no progress switch inherited from whoever runs the tests. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHUNKMILL_PROGRESS: undefined, ...extra };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(options.env),
    cwd: options.cwd ?? process.cwd(),
  });
  child.stdin.on('error', () => {}); // EPIPE when the CLI exits (or fails) before reading all of stdin
  return child;
}

export function collect(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options);
  const done = collect(child);
  child.stdin.end(options.input);
  return done;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs the CLI with stdin, stdout and stderr on a pseudo-terminal. Returns everything the
 * terminal received (stdout and stderr together, escape sequences included) and the exit status.
 */
export function runCliInPty(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
  // -q: no "Script started" banner; -f: flush as written; -e: return the command's exit status.
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Parses CSV output of plain fields (no quotes) into rows; enough for figures in tests. */
export function simpleCsv(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(','));
}
