/**
 * A cheap object server for benches: Node's own http serving a folder's files with byte ranges,
 * in its own process (run it as a child), so that a bench can tell the object client's cost from
 * the server's. s3rver, the test S3 server, does far more per request (XML, metadata files, an
 * md5 of nothing) and shares the bench machine's cores with the parse; this one does what a
 * file server must and no more: stat, a 206 with Content-Range, ETag and Last-Modified, If-Match,
 * and the bytes by fs.createReadStream (1 MiB reads: fewer, larger writes to the socket).
 *
 * It also stands in as a path-style S3 endpoint (GET /bucket/key serves root/bucket/key) that
 * checks no signature, so the same server measures an s3:// read (signed) and an http:// read
 * (not signed) alike.
 *
 *   node bench/range-server.mjs ROOT   -> prints {"port":N} on its first line; ends when stdin closes
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: node bench/range-server.mjs ROOT');

const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
  let stats;
  try {
    stats = statSync(join(root, path));
    if (!stats.isFile()) throw new Error('not a file');
  } catch {
    res.writeHead(404, { 'content-length': 0 });
    return res.end();
  }
  const size = stats.size;
  const etag = `"${size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch !== etag && ifMatch !== '*') {
    res.writeHead(412, { 'content-length': 0 });
    return res.end();
  }
  const headers = { etag, 'last-modified': stats.mtime.toUTCString(), 'accept-ranges': 'bytes' };
  let start = 0;
  let end = size; // exclusive
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range !== null) {
    start = Number(range[1]);
    end = range[2] === '' ? size : Math.min(size, Number(range[2]) + 1);
    if (start >= size) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 });
      return res.end();
    }
    headers['content-range'] = `bytes ${start}-${end - 1}/${size}`;
  }
  res.writeHead(range !== null ? 206 : 200, { ...headers, 'content-length': end - start });
  if (req.method === 'HEAD' || end === start) return res.end();
  createReadStream(join(root, path), { start, end: end - 1, highWaterMark: 1 << 20 }).pipe(res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('close', () => process.exit(0));
