/**
 * A real PostgreSQL of one's own, for a test file or a bench run: a throwaway cluster made with
 * initdb in a temporary folder, started with pg_ctl on a free loopback port with trust
 * authentication, and removed by stop(). PostgreSQL refuses to run as root, so as root the
 * cluster is made and run as the `postgres` user (Debian's postgresql package creates it; .ci/run
 * installs the package), in a folder under /tmp that user may write. About a second to start here.
 *
 * restart() and crash() are how tests take the database away mid-job: a clean shutdown (fast:
 * sessions are ended, everything committed is kept) or an immediate one (a crash: the next start
 * recovers from the WAL), each followed by a start on the same port.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis-server.ts';

export interface PostgresServer {
  port: number;
  /** The superuser's URL of a database (default `postgres`). */
  url(database?: string): string;
  /** Runs SQL as the superuser, in `database` (default `postgres`). */
  sql(text: string, database?: string): Promise<pg.QueryResult>;
  /** A new, empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** A clean shutdown (pg_ctl -m fast) and a start again on the same port, `downMs` later. */
  restart(downMs?: number): Promise<void>;
  /** An immediate shutdown (pg_ctl -m immediate: a crash) and a start again, `downMs` later. */
  crash(downMs?: number): Promise<void>;
  /** Stops it (pg_ctl -m fast) without starting it again. */
  halt(): Promise<void>;
  /** Starts it again after halt(). */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  stop(): Promise<void>;
  /** The server's log so far. */
  log(): string;
}

let databases = 0;

/** `settings`: postgresql.conf settings (-c); `hba`: pg_hba.conf lines put before the trust ones. */
export async function startPostgres(
  settings: Record<string, string> = {},
  hba: string[] = [],
): Promise<PostgresServer> {
  const bin = binaries();
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? postgresUser() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'chunkmill-pg-'));
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const run = (tool: string, args: string[]) =>
    execFileSync(join(bin, tool), args, { stdio: 'pipe', ...(user ?? {}), cwd: dir, timeout: 60_000 });
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  if (hba.length > 0) {
    const file = join(data, 'pg_hba.conf');
    writeFileSync(file, `${hba.join('\n')}\n${readFileSync(file, 'utf8')}`);
  }
  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c shared_buffers=32MB',
    '-c max_connections=200',
    ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
  ].join(' ');
  const ctl = (...args: string[]) => run('pg_ctl', ['-D', data, ...args]);
  const start = async () => {
    ctl('-l', logFile, '-o', options, '-w', '-t', '60', 'start');
  };
  await start();
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const sql = async (text: string, database?: string) => {
    const client = new pg.Client(url(database));
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  const down = async (mode: 'fast' | 'immediate', downMs: number) => {
    ctl('-m', mode, '-w', 'stop');
    await new Promise((r) => setTimeout(r, downMs));
    await start();
  };
  let stopped = false;
  const cleanup = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore', ...(user ?? {}) });
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without stop() must not leave a server running.
  process.once('exit', cleanup);
  return {
    port,
    url,
    sql,
    async createDatabase(name = `db${process.pid}_${++databases}`) {
      await sql(`CREATE DATABASE "${name}"`);
      return url(name);
    },
    restart: (downMs = 0) => down('fast', downMs),
    crash: (downMs = 0) => down('immediate', downMs),
    async halt() {
      ctl('-m', 'fast', '-w', 'stop');
    },
    start,
    async stop() {
      process.off('exit', cleanup);
      cleanup();
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
}

/** Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/<version>/bin (the newest). */
function binaries(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath !== '' && existsSync(onPath.replace(/initdb$/, 'pg_ctl'))) return onPath.replace(/\/initdb$/, '');
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)');
  return join(root, versions[0]!, 'bin');
}

/** The `postgres` account, which runs the cluster when the tests run as root. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('PostgreSQL refuses to run as root, and there is no postgres user to run it as');
  }
}
