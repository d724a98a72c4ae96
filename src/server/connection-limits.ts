/**
 * The server's edge against clients that hold connections open without finishing requests
 * (slowloris: headers or a body trickled a byte at a time), each of which costs a file
 * descriptor and some memory, with or without a token:
 *
 *   - timeouts (server-options.ts): the headers within `headersTimeout`, the whole request within
 *     `requestTimeout` (else 408 and the connection is closed), no connection silent both ways
 *     for longer than `idleTimeout`, an idle kept-alive one closed after `keepAliveTimeout`;
 *     Node looks for expired requests every CHECK_MAX_MS at most, so they end on time;
 *   - a refusal closes the connection: an error answered before the request's body was read
 *     (a 401 to a POST whose body still trickles in) says `Connection: close`, and Node destroys
 *     the socket once the answer is sent instead of reading the rest of the body;
 *   - at most `maxConnectionsPerClient` connections per client address: one more is destroyed at
 *     once, before a byte of it is read.
 */
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ResolvedServerOptions } from './server-options.js';

/** Node's check for expired requests runs every 30 s by default: too coarse for a 10 s bound. */
const CHECK_MAX_MS = 1_000;

type Timeouts = Pick<ResolvedServerOptions, 'headersTimeout' | 'requestTimeout' | 'idleTimeout' | 'keepAliveTimeout'>;

/** Fastify's options for the timeouts, and Node's http server options under them. */
export function timeoutOptions(o: Timeouts): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
} {
  const check = Math.max(50, Math.min(CHECK_MAX_MS, Math.floor(o.headersTimeout / 4)));
  return {
    connectionTimeout: o.idleTimeout,
    keepAliveTimeout: o.keepAliveTimeout,
    requestTimeout: o.requestTimeout,
    http: {
      headersTimeout: o.headersTimeout,
      requestTimeout: o.requestTimeout,
      keepAliveTimeout: o.keepAliveTimeout,
      connectionsCheckingInterval: check,
    },
  };
}

/** Installs the refusal rule and the per-client cap on `app` (before it listens). */
export function limitConnections(app: FastifyInstance, perClient: number): void {
  app.addHook('onSend', async (request, reply) => {
    // The body was not read (or not all of it): reading the rest would let the client hold the
    // connection for as long as it trickles. Node closes it once this answer is out.
    if (reply.statusCode >= 400 && !request.raw.complete) void reply.header('connection', 'close');
  });
  capPerClient(app.server, perClient);
}

function capPerClient(server: Server, perClient: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const client = clientOf(socket);
    const count = (open.get(client) ?? 0) + 1;
    if (count > perClient) {
      socket.destroy();
      return;
    }
    open.set(client, count);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left > 0) open.set(client, left);
      else open.delete(client);
    });
  });
}

/** The client's address; an IPv4 address seen through an IPv6 socket counts as itself. */
function clientOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
