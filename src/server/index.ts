/**
 * chunkmill/server: `chunkmill serve` as a library, to embed the HTTP API, its event streams and
 * the dashboard in a program of one's own.
 *
 *   const server = await startServer({ store: 'jobs.db', dataDir: './data', token: process.env.CHUNKMILL_TOKEN });
 *   console.log(server.url);
 *   process.on('SIGTERM', () => void server.close());
 *
 * Or mounted in an app of one's own under a path, with the same options, token check and confinement:
 *
 *   await app.register(chunkmillPlugin, { prefix: '/jobs', store: 'jobs.db', dataDir: './data' }); // Fastify
 *   app.use('/jobs', chunkmillMiddleware({ store: 'jobs.db', dataDir: './data' }));                // Express
 *
 * The public surface of the server, re-exported; nothing is defined here.
 */
export { ChunkmillServer, startServer } from './server.js';
export { chunkmillPlugin, type EmbedOptions } from './plugin.js';
export { chunkmillMiddleware, type ChunkmillMiddleware, type MiddlewareOptions } from './express.js';
export { startUploadRetention, type UploadRetention } from './retention.js';
export type { ServerOptions } from './server-options.js';
export type { EndReason } from './sse-stream.js';
export type { HttpErrorCode, ErrorPlace } from './http-error.js';
export type { DataFile } from '../internal.js';
