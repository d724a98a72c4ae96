/**
 * A PostgreSQL store that cannot be used fails at once with a coded error naming the server and
 * the database, and never the password: a wrong port, password, user or database; a schema of a
 * newer chunkmill, or another program's tables. Migrations are safe when several processes open
 * a new store at once. The standard PG* variables name a store, and `postgresql://` does too.
 */
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { ChunkmillError, count, createEngine, openQueue } from 'chunkmill';
import { CLI, cliEnv, runCli } from '../helpers/cli.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { settle } from '../helpers/events.ts';
import { usePostgres } from '../helpers/postgres.ts';

const SECRET = 'Tr0ub4dor&3-horse';
const pgs = usePostgres({ hba: ['host all secretive 127.0.0.1/32 scram-sha-256'] });
const spec = { input: '/data/sales.csv', aggregate: { measures: { n: count() } } };

async function login(password: string, database = 'chunkmill_test'): Promise<string> {
  const server = await pgs.server();
  await pgs.store(); // makes chunkmill_test
  await server.sql(
    `DO $$ BEGIN CREATE ROLE secretive LOGIN PASSWORD '${SECRET}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
  await server.sql('GRANT ALL ON DATABASE chunkmill_test TO secretive');
  return `postgres://secretive:${encodeURIComponent(password)}@127.0.0.1:${server.port}/${database}`;
}

/** The error a first call gets, how long it took, and that nothing of it shows the password. */
async function failure(url: string): Promise<{ error: ChunkmillError; ms: number }> {
  const started = performance.now();
  const queue = openQueue(url);
  const error = (await rejectionOf(queue.counts())) as ChunkmillError;
  const ms = performance.now() - started;
  await queue.close();
  expect(error).toBeInstanceOf(ChunkmillError);
  const shown = [error.message, error.stack, JSON.stringify(error), error.hint, String(error.cause)].join('\n');
  expect(shown).not.toContain(SECRET);
  expect(shown).not.toContain(encodeURIComponent(SECRET));
  return { error, ms };
}

test('a wrong password, user, database or port: a coded error at once naming the server and database, never the password', {
  timeout: 60_000,
}, async () => {
  const { port } = await pgs.server();
  const server = `127.0.0.1:${port}`;
  const wrong = await failure(await login(SECRET.replace('3', '4')));
  expect(wrong.error).toMatchObject({ code: 'ERR_STORE_AUTH', file: `postgres://secretive@${server}/chunkmill_test` });
  expect(wrong.error.message).toContain(server);
  expect(wrong.error.message).toContain('chunkmill_test');
  expect(wrong.ms).toBeLessThan(3_000);
  const user = await failure(`postgres://nobody:${SECRET}@${server}/chunkmill_test`);
  expect(user.error.code).toBe('ERR_STORE_AUTH');
  const database = await failure(`postgres://postgres:${SECRET}@${server}/no_such_db`);
  expect(database.error).toMatchObject({ code: 'ERR_STORE_NOT_FOUND' });
  expect(database.error.message).toMatch(/no_such_db.*127\.0\.0\.1/);
  const unreachable = await failure(`postgresql://postgres:${SECRET}@127.0.0.1:1/chunkmill_test`);
  expect(unreachable.error).toMatchObject({ code: 'ERR_STORE_UNREACHABLE' });
  expect(unreachable.error.message).toContain('127.0.0.1:1');
  expect(unreachable.ms).toBeLessThan(3_000);
  // createEngine opens the store first: it fails there, not later in a loop of warnings.
  const engine = await rejectionOf(createEngine({ store: await login('nope'), workers: 1 }));
  expect(engine).toMatchObject({ code: 'ERR_STORE_AUTH' });
  expect(String((engine as Error).message)).not.toContain('nope');
  // The right password works, and postgresql:// is the same store.
  const right = openQueue((await login(SECRET)).replace(/^postgres:/, 'postgresql:'));
  expect(right.store.location).toBe(`postgres://secretive@${server}/chunkmill_test`);
  await right.add(spec);
  expect((await right.counts()).queued).toBe(1);
  await right.close();
});

test('the standard PG* variables name a store: host, port, user, password, database', async () => {
  const { port } = await pgs.server();
  await login(SECRET);
  const saved = { ...process.env };
  Object.assign(process.env, {
    PGHOST: '127.0.0.1',
    PGPORT: String(port),
    PGUSER: 'secretive',
    PGPASSWORD: SECRET,
    PGDATABASE: 'chunkmill_test',
  });
  try {
    const queue = openQueue('postgres://?schema=fromenv');
    expect(queue.store.location).toBe(`postgres://secretive@127.0.0.1:${port}/chunkmill_test?schema=fromenv`);
    await queue.add(spec);
    expect((await queue.counts()).queued).toBe(1);
    await queue.close();
    process.env.PGPASSWORD = 'not-the-password';
    const { error } = await failure('postgres://?schema=fromenv');
    expect(error.code).toBe('ERR_STORE_AUTH');
  } finally {
    process.env = saved;
  }
});

test('the CLI: a coded error without the password; a running engine’s command line (ps) does not show it', {
  timeout: 60_000,
}, async () => {
  const url = await login(SECRET);
  const bad = await runCli(['jobs', 'list', '--store', url.replace(encodeURIComponent(SECRET), 'WrongHorse42')]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/\[ERR_STORE_AUTH\]/);
  expect(bad.stderr).not.toContain('WrongHorse42');
  const child = spawn(process.execPath, [CLI, 'engine', '--store', url, '--workers', '1'], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  for (const end = Date.now() + 20_000; !/engine .* on postgres:/.test(output); await settle(20))
    if (Date.now() > end || child.exitCode !== null) throw new Error(`the engine did not start: ${output}`);
  const { readFileSync } = await import('node:fs');
  const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  expect(cmdline).toContain('--store postgres://secretive:***@');
  expect(cmdline).not.toContain(SECRET);
  expect(output).not.toContain(SECRET);
});

test('a schema of a newer chunkmill: ERR_STORE_VERSION, nothing written; another program’s tables: ERR_STORE_NOT_A_STORE', async () => {
  const url = await pgs.store('newer');
  const schema = new URL(url).searchParams.get('schema')!;
  await openQueue(url).close();
  const first = openQueue(url);
  await first.add(spec);
  await first.close();
  const server = await pgs.server();
  await server.sql(`UPDATE "${schema}".chunkmill_store SET version = 99`, 'chunkmill_test');
  const { error } = await failure(url);
  expect(error).toMatchObject({ code: 'ERR_STORE_VERSION' });
  expect(error.message).toMatch(/version 99/);
  const rows = await server.sql(`SELECT count(*)::int AS n FROM "${schema}".jobs`, 'chunkmill_test');
  expect(rows.rows[0].n).toBe(1);

  await server.sql('CREATE SCHEMA theirs; CREATE TABLE theirs.jobs (id serial, title text)', 'chunkmill_test');
  const foreign = await failure(url.replace(/schema=\w+/, 'schema=theirs'));
  expect(foreign.error).toMatchObject({ code: 'ERR_STORE_NOT_A_STORE' });
  expect(foreign.error.message).toMatch(/theirs/);
});

test('six processes open a new store at once: one migrates, all of them work, one set of tables', {
  timeout: 60_000,
}, async () => {
  const url = await pgs.store('race');
  const script = `import { openQueue } from 'chunkmill';
    const queue = openQueue(${JSON.stringify(url)});
    await queue.add({ input: '/data/x.csv', aggregate: { measures: { n: { kind: 'count' } } } });
    await queue.close(); console.log('ok');`;
  const runs = Array.from(
    { length: 6 },
    () =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', () => resolve(out.trim()));
      }),
  );
  expect(await Promise.all(runs)).toEqual(Array(6).fill('ok'));
  const queue = openQueue(url);
  expect((await queue.counts()).queued).toBe(6);
  await queue.close();
  const schema = new URL(url).searchParams.get('schema')!;
  const server = await pgs.server();
  const meta = await server.sql(`SELECT version FROM "${schema}".chunkmill_store`, 'chunkmill_test');
  expect(meta.rows).toEqual([{ version: 2 }]);
});
