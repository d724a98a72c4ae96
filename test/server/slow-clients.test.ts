/**
 * Slow clients on real loopback sockets (net.connect): the SRE's slowloris held a connection
 * open with a body trickled a byte at a time after its 401, and 226 of them starved a server
 * limited to 256 file descriptors. Now:
 *   - a refusal answered before the body was read closes the connection (Connection: close);
 *   - one client address holds at most maxConnectionsPerClient connections: one more is closed
 *     at once, while another address is answered;
 *   - headers, a whole request and a silent connection each have a time limit.
 * Every wait is for a condition, with a deadline far above the limits under test (a loaded
 * 2-core machine); what is asserted is that the connection ends, not when to the millisecond.
 */
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { startTestServer, TOKEN } from '../helpers/server.ts';

const DEADLINE_MS = 15_000;
const sockets = new Set<Socket>();
const timers = new Set<NodeJS.Timeout>();
afterEach(() => {
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.destroy();
});

interface Client {
  socket: Socket;
  /** Everything the server sent so far. */
  received: () => string;
  /** Resolves once the server closed the connection (rejects after the deadline). */
  closed: Promise<void>;
}

/** A raw connection to `url` from `localAddress`, which sends `head` and then `trickle` every `everyMs`. */
async function client(
  url: string,
  head: string,
  trickle = '',
  everyMs = 200,
  localAddress = '127.0.0.1',
): Promise<Client> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), localAddress });
  sockets.add(socket);
  let text = '';
  socket.setEncoding('utf8').on('data', (d: string) => (text += d));
  socket.on('error', () => {}); // a write after the server closed: EPIPE or ECONNRESET
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${DEADLINE_MS} ms; got ${text}`)), DEADLINE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(head);
  if (trickle !== '') {
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(trickle);
    }, everyMs);
    timers.add(timer);
    void closed.finally(() => clearInterval(timer)).catch(() => {});
  }
  return { socket, received: () => text, closed };
}

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

/** GET /api/health from `localAddress` on a new connection: its status, or the error that ended it. */
function health(url: string, localAddress = '127.0.0.1'): Promise<number | string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const req = request(
      {
        host: hostname,
        port,
        path: '/api/health',
        localAddress,
        agent: false,
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.setTimeout(DEADLINE_MS, () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

test('a refusal before the body is read closes the connection; the per-client cap holds; another client is answered', {
  timeout: 60_000,
}, async () => {
  // Limits far above the test's deadline: only the refusal rule and the cap can end these.
  const t = await startTestServer({
    headersTimeout: 60_000,
    requestTimeout: 120_000,
    idleTimeout: 120_000,
    keepAliveTimeout: 120_000,
    maxConnectionsPerClient: 5,
  });
  const { port } = new URL(t.url);
  const host = `127.0.0.1:${port}`;

  // 1. Unauthenticated, a 1 MB body trickled a byte at a time: 401, then the connection closes.
  const slow = await client(
    t.url,
    head(['POST /api/jobs HTTP/1.1', `Host: ${host}`, 'Content-Type: application/json', 'Content-Length: 1000000']) +
      '{',
    ' ',
  );
  await slow.closed;
  expect(slow.received()).toMatch(/^HTTP\/1\.1 401 /);
  expect(slow.received()).toMatch(/\r\nconnection: close\r\n/i);

  // 2. Five kept-alive connections (each answered once, so the server has counted it) fill the cap.
  const held: Client[] = [];
  for (let i = 0; i < 5; i++) {
    const c = await client(
      t.url,
      head(['GET /api/health HTTP/1.1', `Host: ${host}`, `Authorization: Bearer ${TOKEN}`]),
    );
    for (const until = Date.now() + DEADLINE_MS; !c.received().includes('"status"'); ) {
      if (Date.now() > until) throw new Error(`no answer on connection ${i}: ${c.received()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    held.push(c);
  }
  // A sixth from the same address is closed before anything is read or answered...
  const sixth = await client(
    t.url,
    head(['GET /api/health HTTP/1.1', `Host: ${host}`, `Authorization: Bearer ${TOKEN}`]),
  );
  await sixth.closed;
  expect(sixth.received()).toBe('');
  // ...while another client address is answered.
  expect(await health(t.url, '127.0.0.2')).toBe(200);
  // Once the five leave, the first address is answered again.
  for (const c of held) c.socket.destroy();
  for (const until = Date.now() + DEADLINE_MS; ; ) {
    const status = await health(t.url);
    if (status === 200) break;
    if (Date.now() > until) throw new Error(`still refused: ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

test('headers, a whole request (an upload with the token) and a silent connection each time out; others are answered', {
  timeout: 60_000,
}, async () => {
  const t = await startTestServer({
    headersTimeout: 1_000,
    requestTimeout: 2_000,
    idleTimeout: 1_500,
    keepAliveTimeout: 1_000,
  });
  const { port } = new URL(t.url);
  const host = `127.0.0.1:${port}`;
  // Headers that never end.
  const headers = await client(t.url, `GET /api/health HTTP/1.1\r\nHost: ${host}\r\n`, 'X-Slow: 1\r\n');
  // An authenticated upload whose body trickles: a byte every 200 ms never leaves it idle.
  const upload = await client(
    t.url,
    head([
      'POST /api/uploads?name=slow.csv HTTP/1.1',
      `Host: ${host}`,
      `Authorization: Bearer ${TOKEN}`,
      'Content-Type: text/csv',
      'Content-Length: 1000000',
    ]),
    'x',
  );
  // A connection that sends nothing at all.
  const silent = await client(t.url, '');
  // Meanwhile, and after, a normal client is answered.
  expect(await health(t.url)).toBe(200);
  await Promise.all([headers.closed, upload.closed, silent.closed]);
  expect(upload.received()).toMatch(/^(HTTP\/1\.1 408 |$)/); // 408, unless the close came first
  expect(await health(t.url)).toBe(200);
  // The cut upload left no partial file.
  for (const until = Date.now() + DEADLINE_MS; ; ) {
    const left = readdirSync(join(t.data, 'uploads'));
    if (left.length === 0) break;
    if (Date.now() > until) throw new Error(`partial upload kept: ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
