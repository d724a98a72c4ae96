/**
 * A proxy in front of a test's object server that records every request it forwards, as
 * `METHOD /path?query`: a test proves the server was never asked for what chunkmill refused (a
 * key outside a prefix, another bucket), or sees which parts of an upload went out and whether it
 * was completed or aborted. Real sockets both ways; bodies are piped through untouched.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggingProxy {
  /** http://127.0.0.1:port: give it as the S3 endpoint. */
  url: string;
  server: Server;
  /** Every request forwarded so far, in order. */
  log: string[];
  /** Called with each request line as the proxy takes it, before it is forwarded. */
  onRequest: (line: string) => void;
  close(): Promise<void>;
}

/** A proxy on a free loopback port that forwards to `target` (`http://host:port`). */
export async function startLoggingProxy(target: string): Promise<LoggingProxy> {
  const upstreamUrl = new URL(target);
  const proxy: LoggingProxy = {
    url: '',
    server: createServer((req, res) => {
      const line = `${req.method} ${req.url}`;
      proxy.log.push(line);
      proxy.onRequest(line);
      const upstream = request(
        {
          host: upstreamUrl.hostname,
          port: upstreamUrl.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }),
    log: [],
    onRequest: () => {},
    close: () =>
      new Promise<void>((resolve) => {
        if (!proxy.server.listening) return resolve();
        proxy.server.close(() => resolve());
        proxy.server.closeAllConnections();
      }),
  };
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  return proxy;
}
