/** A real server on a loopback port for the server tests, with a temp data dir and store, and its HTTP calls. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { startServer, type ChunkmillServer, type ServerOptions } from 'chunkmill/server';

export const TOKEN = 'test-token-0123456789abcdef';
export const TASKS_DIR = fileURLToPath(new URL('../../fixtures/tasks/', import.meta.url));

export interface TestServer {
  server: ChunkmillServer;
  url: string;
  /** The data dir (a real path). */
  data: string;
  /** A folder outside the data dir: the store lives there, and files the tests must not reach. */
  outside: string;
  /** fetch() of a path, with the token unless `token: null`. */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** A JSON call: the status and the parsed body. */
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/**
 * What to undo once the test file ends. Registered here, at import: vitest ignores an afterAll
 * called from inside a test or a beforeAll, where startTestServer is called.
 */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Starts a server (closed after the test file); `token: null` starts one without a token. */
export async function startTestServer(
  options: Omit<ServerOptions, 'token'> & { token?: string | null } = {},
): Promise<TestServer> {
  const data = mkdtempSync(join(tmpdir(), 'chunkmill-data-'));
  const outside = mkdtempSync(join(tmpdir(), 'chunkmill-outside-'));
  const { token = TOKEN, ...rest } = options;
  const server = await startServer({
    store: join(outside, 'jobs.db'),
    dataDir: data,
    port: 0,
    workers: 2,
    logLevel: 'silent',
    ...(token === null ? {} : { token }),
    ...rest,
  });
  cleanups.push(async () => {
    await server.close();
    rmSync(data, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token: given = token, headers, ...rest } = init;
    const auth: Record<string, string> = given === null ? {} : { authorization: `Bearer ${given}` };
    return fetch(server.url + path, { ...rest, headers: { ...auth, ...(headers as Record<string, string>) } });
  };
  return {
    server,
    url: server.url,
    data: server.options.dataDir,
    outside,
    call,
    async json<T>(method: string, path: string, body?: unknown) {
      const response = await call(path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
    },
  };
}

/** Polls GET /api/jobs/:id until the job is in one of `states`. */
export async function waitForJob(
  t: Pick<TestServer, 'json'>,
  id: string,
  states: string[],
  ms = 60_000,
): Promise<Record<string, unknown>> {
  const until = Date.now() + ms;
  for (;;) {
    const { body } = await t.json('GET', `/api/jobs/${id}`);
    if (states.includes(String(body.state))) return body;
    if (Date.now() > until) throw new Error(`job ${id} is ${String(body.state)}, not ${states.join('|')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ServeChild {
  child: import('node:child_process').ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | NodeJS.Signals | null>;
}

/** `chunkmill serve` (the built CLI) in a child process on a free port; resolves once it listens. */
export async function startServeChild(args: string[], env: Record<string, string> = {}): Promise<ServeChild> {
  const { spawn } = await import('node:child_process');
  const { CLI, cliEnv } = await import('./cli.ts');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log-level', 'error', ...args], {
    env: cliEnv({ CHUNKMILL_TOKEN: TOKEN, ...env }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  for (const until = Date.now() + 30_000; ; ) {
    const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
    if (url !== undefined) return { child, url, stderr: () => stderr, exited };
    if (child.exitCode !== null || Date.now() > until) throw new Error(`chunkmill serve did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
