/**
 * A PostgreSQL store's name: a `postgres://` or `postgresql://` URL, read the way libpq and
 * node-postgres read one, plus chunkmill's own parameter `schema` (where the store's tables live,
 * default `chunkmill`), which is taken out before pg sees the URL.
 *
 * What the URL leaves out comes from the standard environment variables, as pg reads them:
 * PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (the user's name when unset), PGSSLMODE,
 * PGAPPNAME, PGCONNECT_TIMEOUT; and a password from ~/.pgpass (PGPASSFILE) when none is given.
 * `postgres://` alone means "everything from the environment".
 *
 * The password is never part of `location`: that is what messages, logs and `engine.store.location`
 * show, so it names the user, host, port and database only.
 */
import { userInfo } from 'node:os';
import { invalidOption } from '../errors.js';

export interface PostgresTarget {
  /** The URL for pg, without chunkmill's parameters (it may hold a password: never shown). */
  connectionString: string;
  /** The schema holding the store's tables. */
  schema: string;
  /** The URL without its password, for messages. */
  location: string;
  /** Where it connects, for messages: "host:port". */
  server: string;
  database: string;
  user: string;
}

export const DEFAULT_SCHEMA = 'chunkmill';

/** A plain identifier: PostgreSQL keeps its case when quoted, and it names a NOTIFY channel too. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/** How long a connection may take to open: PGCONNECT_TIMEOUT (seconds), else 10 s. */
export function connectTimeoutMs(): number {
  const seconds = Number(process.env.PGCONNECT_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 10_000;
}

/** Whether a store name is a PostgreSQL URL (anything else is a SQLite file path). */
export function isPostgresUrl(name: string): boolean {
  return /^postgres(ql)?:\/\//i.test(name);
}

/** Reads a store URL; `schema` (an option) wins over the URL's parameter. Throws ERR_INVALID_OPTION. */
export function parsePostgresUrl(name: string, schemaOption?: string): PostgresTarget {
  let url: URL;
  try {
    // An empty host (postgres:///db, postgres://) is pg's "from PGHOST"; URL needs one to parse.
    url = new URL(name.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)(?=[/?#]|$)/i, '$1__pghost__'));
  } catch {
    throw invalidOption('store', 'not a valid postgres:// URL (the URL is not repeated here: it may hold a password)');
  }
  const schema = schemaOption ?? url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema))
    throw invalidOption(
      'store',
      `schema ${JSON.stringify(schema)} is not a plain identifier (letters, digits, _; at most 48 characters)`,
    );
  url.searchParams.delete('schema');
  const env = process.env;
  const emptyHost = url.hostname === '__pghost__';
  const host =
    decodeURIComponent(emptyHost ? '' : url.hostname).replace(/^\[(.+)\]$/, '$1') || env.PGHOST || 'localhost';
  const port = url.port || env.PGPORT || '5432';
  const user = decodeURIComponent(url.username) || env.PGUSER || safeUser();
  const database = decodeURIComponent(url.pathname.slice(1)) || env.PGDATABASE || user;
  const params = [...url.searchParams.keys()].filter((k) => k !== 'password');
  const shownParams = new URLSearchParams();
  if (schema !== DEFAULT_SCHEMA) shownParams.set('schema', schema);
  for (const k of params)
    if (!/^(sslkey|sslcert|sslrootcert|sslpassword)$/.test(k)) shownParams.set(k, url.searchParams.get(k)!);
  const query = shownParams.size > 0 ? `?${shownParams}` : '';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const location = `postgres://${encodeURIComponent(user)}@${host.startsWith('/') ? encodeURIComponent(host) : shownHost}:${port}/${encodeURIComponent(database)}${query}`;
  const connectionString = url.href.replace('__pghost__', '');
  return { connectionString, schema, location, server: `${host}:${port}`, database, user };
}

/** pg's default user: $USER, else the account's name. */
function safeUser(): string {
  try {
    return process.env.USER || userInfo().username;
  } catch {
    return 'postgres';
  }
}
