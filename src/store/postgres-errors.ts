/**
 * PostgreSQL's failures as coded store errors that name the server and the database, never the
 * password: one that cannot be reached (ERR_STORE_UNREACHABLE), a login refused
 * (ERR_STORE_AUTH), no such database (ERR_STORE_NOT_FOUND), one that cannot be written
 * (ERR_STORE_READ_ONLY: a read-only database, role or standby), a full disk (ERR_STORE_FULL).
 *
 * And which failures are passing: a connection lost to a restart or a failover, a server still
 * starting, a deadlock. Those a store call retries (postgres-connection.ts) rather than failing.
 */
import { ChunkmillError, messageOf } from '../errors.js';
import type { PostgresTarget } from './postgres-url.js';

/** Socket errors: the server is not there (now). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** pg's own words for a connection that broke or never came (it gives them no code). */
const LOST = /Connection terminated|not queryable|timeout expired|connection timeout|Connection refused/i;

const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');

/** The connection failed or broke: the server is down, restarting, unreachable, or full of connections. */
export function isConnectionError(e: unknown): boolean {
  const code = codeOf(e);
  if (SOCKET_CODES.has(code)) return true;
  // 08: connection exception; 57P01-03: admin or crash shutdown, still starting; 53300: too many connections.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')
    return true;
  return code === '' && LOST.test(messageOf(e));
}

/** Worth running the transaction again: a lost connection, or a deadlock or serialization failure. */
export function isPassing(e: unknown): boolean {
  const code = codeOf(e);
  return isConnectionError(e) || code === '40001' || code === '40P01';
}

/** A pg or socket failure as a coded store error naming the server and the database. */
export function postgresError(e: unknown, target: PostgresTarget): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  const code = codeOf(e);
  const message = scrub(messageOf(e), target);
  const { location, server, database, user } = target;
  const make = (data: Omit<ConstructorParameters<typeof ChunkmillError>[0], 'file'>) =>
    new ChunkmillError({ ...data, file: location }, { cause: e });
  if (isConnectionError(e))
    return make({
      code: 'ERR_STORE_UNREACHABLE',
      message: `Cannot reach the job store: database ${database} at ${server} (${message})`,
      hint: 'check the host and port of the URL (or PGHOST, PGPORT), and that the server is up',
    });
  if (code === '28P01' || code === '28000')
    return make({
      code: 'ERR_STORE_AUTH',
      message: `The database server at ${server} refused user ${user} for database ${database} (${message})`,
      hint: 'check the user and password: the URL, PGUSER, PGPASSWORD or ~/.pgpass (a password is never shown)',
    });
  if (code === '3D000')
    return make({
      code: 'ERR_STORE_NOT_FOUND',
      message: `There is no database ${database} at ${server} (${message})`,
      hint: `create it (createdb ${database}), or name another in the URL`,
    });
  if (code === '25006' || code === '42501')
    return make({
      code: 'ERR_STORE_READ_ONLY',
      message: `The job store ${location} cannot be written (${message}); nothing of this call was written`,
      hint: 'a read-only database, role or standby server: give the store a writable primary and a role that may write',
    });
  if (code === '53100')
    return make({
      code: 'ERR_STORE_FULL',
      message: `The database ${database} at ${server} is out of disk space (${message}); nothing of this call was written`,
      hint: 'free disk space on the database server (retention: ms removes finished jobs)',
    });
  return make({ code: 'ERR_STORE', message: `The job store ${location} failed: ${message}` });
}

/**
 * A password must not reach a message even when a server or a library repeats what it was
 * given: the URL's password and PGPASSWORD are blanked out wherever they appear.
 */
export function scrub(text: string, target: PostgresTarget): string {
  let out = text;
  for (const secret of secretsOf(target)) out = out.split(secret).join('***');
  return out;
}

function secretsOf(target: PostgresTarget): string[] {
  const secrets: string[] = [];
  try {
    const url = new URL(target.connectionString.replace(/^(postgres(?:ql)?:\/\/[^@/?#]*@)(?=[/?#]|$)/i, '$1x'));
    for (const s of [url.password, url.searchParams.get('password') ?? '']) {
      if (s !== '') secrets.push(s, decodeURIComponent(s));
    }
  } catch {
    // not parsable here: pg would have refused it before any message
  }
  if (process.env.PGPASSWORD) secrets.push(process.env.PGPASSWORD);
  // Too short to blank out safely ("a" would blank every a), and too short to be worth hiding.
  return [...new Set(secrets)].filter((s) => s.length >= 3);
}
