/**
 * chunkmill/server: `chunkmill serve` as a library, to embed the HTTP API, its event streams and
 * the dashboard in a program of one's own.
 *
 *   const server = await startServer({ store: 'jobs.db', dataDir: './data', token: process.env.CHUNKMILL_TOKEN });
 *   console.log(server.url);
 *   process.on('SIGTERM', () => void server.close());
 *
 * The public surface of the server, re-exported; nothing is defined here.
 */
export { ChunkmillServer, startServer } from './server.js';
export type { ServerOptions } from './server-options.js';
export type { EndReason } from './sse-stream.js';
export type { HttpErrorCode, ErrorPlace } from './http-error.js';
export type { DataFile } from '../internal.js';
