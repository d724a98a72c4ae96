/**
 * A Redis URL without putting it on the command line: a password there is in /proc/<pid>/cmdline,
 * which `ps` shows to every user of the machine. Two ways, on every flag that takes a Redis URL
 * (--cluster, --redis):
 *
 *   --cluster @/run/secrets/redis-url   the flag's value `@PATH` is a file holding the URL;
 *   CHUNKMILL_REDIS_URL=redis://...     the environment, for the long-running commands (serve
 *                                       and engine run on the cluster when it is set, worker
 *                                       takes it as its --redis); a flag given wins.
 *
 * A Redis URL itself starts with redis:// or rediss://, never with @, so the two never clash.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

export const REDIS_URL_ENV = 'CHUNKMILL_REDIS_URL';

/** Help text that goes with a Redis URL flag; `env` on the commands that read the environment too. */
export function redisUrlHelp(env: boolean): string {
  return env
    ? `(or @FILE holding it; default: $${REDIS_URL_ENV})`
    : '(or @FILE holding it, so ps does not show a password)';
}

/** A flag's value: the URL as given, or read from the file `@PATH` names (trimmed). */
export function parseRedisUrl(text: string): string {
  if (!text.startsWith('@')) return text;
  const path = text.slice(1);
  let url: string;
  try {
    url = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new InvalidArgumentError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (url === '') throw new InvalidArgumentError(`${path} is empty`);
  return url;
}

/** The flag's URL, else the environment's (an empty variable counts as unset). */
export function redisUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag ?? (env[REDIS_URL_ENV] || undefined);
}
