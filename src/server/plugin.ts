/**
 * chunkmillPlugin: the API, its event streams and the dashboard of `chunkmill serve`, mounted
 * in a Fastify app of one's own under a prefix, as bull-board's adapters do:
 *
 *   await app.register(chunkmillPlugin, { prefix: '/jobs', store: 'jobs.db', dataDir: './data', token });
 *   // the dashboard at /jobs/, the API at /jobs/api/..., /jobs/metrics
 *
 * The options are serve's (ServerOptions), checked the same way, with the same token check, data
 * dir confinement and engine; the ones about a listening server (port, host, timeouts, the
 * request log, connections per client) are the app's own to set: given here, they are refused
 * with ERR_INVALID_OPTION rather than silently doing nothing. It is not
 * wrapped in fastify-plugin on purpose: its hooks, error handler and serializer stay inside its
 * scope and touch no route of the app.
 *
 * The app's close() closes it: the engine stops (running jobs keep their checkpoints and go back
 * to the queue), the event streams end with `end: shutdown` (before the app waits for its
 * connections, which an open stream would hold), then the store connection closes.
 */
import type { FastifyPluginAsync } from 'fastify';
import { invalidOption } from '../internal.js';
import { mountChunkmill, openParts, stopParts } from './mount.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './server-options.js';

/** The options about the listening server itself: in an app of one's own, the app's. */
type ListenerOptions =
  | 'port'
  | 'host'
  | 'logLevel'
  | 'headersTimeout'
  | 'requestTimeout'
  | 'keepAliveTimeout'
  | 'maxConnectionsPerClient';

/** serve's options, less those of the listening server, which are the app's. */
export type EmbedOptions = Omit<ServerOptions, ListenerOptions>;

const LISTENER_OPTIONS: readonly ListenerOptions[] = [
  'port',
  'host',
  'logLevel',
  'headersTimeout',
  'requestTimeout',
  'keepAliveTimeout',
  'maxConnectionsPerClient',
];

/**
 * The options checked as serve checks them (ERR_INVALID_OPTION naming the bad one). The host is
 * not ours to check: without a token, the API answers only requests addressed to a loopback
 * host (the Host header), whatever address the app listens on.
 */
export function resolveEmbedOptions(options: EmbedOptions): ResolvedServerOptions {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'expected an object');
  for (const name of LISTENER_OPTIONS)
    if ((options as Record<string, unknown>)[name] !== undefined)
      throw invalidOption(name, "is the app's own: set it where the app listens, not on chunkmill's mount");
  return resolveServerOptions(options);
}

/** Registered with app.register(chunkmillPlugin, { prefix, ...options }): see the top of this file. */
export const chunkmillPlugin: FastifyPluginAsync<EmbedOptions> = async (scope, options) => {
  // Fastify passes its own register options along: the prefix (the scope has it) and a log level.
  const {
    prefix: _prefix,
    logLevel: _logLevel,
    ...rest
  } = options as EmbedOptions & {
    prefix?: string;
    logLevel?: string;
  };
  const opts = resolveEmbedOptions(rest);
  const parts = await openParts(opts, (e) => scope.log.error({ err: e }, 'chunkmill engine error'));
  let closing = false;
  scope.addHook('preClose', async () => {
    closing = true;
    await stopParts(parts);
  });
  scope.addHook('onClose', async () => {
    await parts.queue.close();
  });
  mountChunkmill(scope, opts, parts, () => closing, true);
};
