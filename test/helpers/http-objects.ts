/**
 * A real HTTP server (Node's own) serving the files of a folder as objects, for tests of the
 * object client: byte ranges as a web server or S3 answers them (206 with Content-Range, 416,
 * If-Match, ETag and Last-Modified from the file's size and mtime), or, with `ranges: false`, a
 * server that ignores Range and always sends the whole file.
 *
 * Fault modes, each for the next N requests: 503 SlowDown (an S3 error body), a connection reset
 * before any answer, a body cut off midway. `status` answers a path with a fixed status (403,
 * 401, 404, or an S3 error code in the body), so that it can also stand in as an S3 endpoint
 * (path style: GET /bucket/key serves root/bucket/key) for the faults s3rver cannot make, and,
 * with `s3Credentials`, check signatures as S3 does (s3rver does not).
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { checkSigV4 } from './sigv4.ts';

export interface HttpObjects {
  /** http://127.0.0.1:port */
  base: string;
  url(path: string): string;
  /** Requests seen, in order: "GET /a.csv bytes=0-0". */
  log: string[];
  /** The next `n` requests answer 503 SlowDown. */
  slowDown(n: number): void;
  /** The next `n` requests get their connection reset before any answer. */
  reset(n: number): void;
  /** The next `n` requests get half their body, then a reset. */
  cutBody(n: number): void;
  /** Every request for `path` answers `status` (with an S3 error body of `code` if given). */
  status(path: string, status: number, code?: string): void;
  /** Every request for `path` is redirected (302) to `to`. */
  redirect(path: string, to: string): void;
  stop(): Promise<void>;
}

export interface HttpObjectsOptions {
  /** false: ignore Range, always send the whole file. */
  ranges?: boolean;
  /** Check each request's SigV4 signature (sigv4.ts) as S3 does: 403 InvalidAccessKeyId / SignatureDoesNotMatch. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
}

export async function startHttpObjects(root: string, options: HttpObjectsOptions = {}): Promise<HttpObjects> {
  const ranges = options.ranges ?? true;
  const log: string[] = [];
  let slow = 0;
  let resets = 0;
  let cuts = 0;
  const fixed = new Map<string, { status: number; code?: string }>();
  const redirects = new Map<string, string>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    log.push(`${req.method} ${path}${req.headers.range ? ` ${req.headers.range.replace('bytes=', '')}` : ''}`);
    if (resets > 0) {
      resets--;
      req.socket.destroy();
      return;
    }
    if (slow > 0) {
      slow--;
      return errorAnswer(res, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    const creds = options.s3Credentials;
    const signature = creds === undefined ? 'ok' : checkSigV4(req, creds.accessKeyId, creds.secretAccessKey);
    if (signature === 'other key id') return errorAnswer(res, 403, 'InvalidAccessKeyId', 'No such key id');
    if (signature !== 'ok') return errorAnswer(res, 403, 'SignatureDoesNotMatch', signature);
    const to = redirects.get(path);
    if (to !== undefined) {
      res.writeHead(302, { location: to, 'content-length': 0 });
      return res.end();
    }
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    if (query.get('list-type') === '2') return listing(res, root, path, query);
    const forced = fixed.get(path);
    if (forced !== undefined) return errorAnswer(res, forced.status, forced.code ?? '', 'forced by the test');
    let size: number;
    let mtime: Date;
    try {
      const st = statSync(join(root, path));
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
      mtime = st.mtime;
    } catch {
      return errorAnswer(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    }
    const etag = `"${size.toString(16)}-${Math.floor(mtime.getTime()).toString(16)}"`;
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== etag && ifMatch !== '*')
      return errorAnswer(
        res,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      );
    res.setHeader('etag', etag);
    res.setHeader('last-modified', mtime.toUTCString());
    if (ranges) res.setHeader('accept-ranges', 'bytes');
    let start = 0;
    let end = size; // exclusive
    let status = 200;
    const range = ranges ? /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '') : null;
    if (range !== null) {
      const [a, b] = [range[1]!, range[2]!];
      if (a === '') start = Math.max(0, size - Number(b));
      else {
        start = Number(a);
        end = b === '' ? size : Math.min(size, Number(b) + 1);
      }
      if (start >= size) {
        res.setHeader('content-range', `bytes */${size}`);
        return errorAnswer(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
      }
      status = 206;
      res.setHeader('content-range', `bytes ${start}-${end - 1}/${size}`);
    }
    res.statusCode = status;
    res.setHeader('content-length', end - start);
    if (req.method === 'HEAD' || end === start) {
      res.end();
      return;
    }
    if (cuts > 0) {
      cuts--;
      const half = start + Math.max(1, Math.floor((end - start) / 2));
      const stream = createReadStream(join(root, path), { start, end: half - 1 });
      stream.pipe(res, { end: false });
      stream.on('end', () => setTimeout(() => req.socket.destroy(), 10));
      return;
    }
    createReadStream(join(root, path), { start, end: end - 1 }).pipe(res);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    url: (path) => `${base}/${path.replace(/^\//, '')}`,
    log,
    slowDown: (n) => {
      slow = n;
    },
    reset: (n) => {
      resets = n;
    },
    cutBody: (n) => {
      cuts = n;
    },
    status: (path, status, code) => {
      fixed.set(path.startsWith('/') ? path : `/${path}`, code === undefined ? { status } : { status, code });
    },
    redirect: (path, to) => {
      redirects.set(path.startsWith('/') ? path : `/${path}`, to);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * ListObjectsV2 of the files under root/bucket, enough for the client: prefix, max-keys, and a
 * continuation token that is the last key in base64 (so it holds the `+`, `/` and `=` that a
 * query must encode right to be signed right).
 */
function listing(res: ServerResponse, root: string, path: string, query: URLSearchParams): ServerResponse {
  const bucket = path.split('/')[1] ?? '';
  const prefix = query.get('prefix') ?? '';
  const max = Number(query.get('max-keys') ?? 1000);
  const after = Buffer.from(query.get('continuation-token') ?? '', 'base64').toString('utf8');
  const keys = (readdirSync(join(root, bucket), { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(join(root, bucket).length + 1))
    .filter((k) => k.startsWith(prefix) && k > after)
    .sort();
  const page = keys.slice(0, max);
  const truncated = keys.length > max;
  const esc = (x: string) => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const contents = page.map((k) => {
    const st = statSync(join(root, bucket, k));
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtime.getTime()).toString(16)}"`;
    return `<Contents><Key>${esc(k)}</Key><Size>${st.size}</Size><ETag>${esc(etag)}</ETag></Contents>`;
  });
  const token = truncated
    ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64')}</NextContinuationToken>`
    : '';
  res.setHeader('content-type', 'application/xml');
  return res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><IsTruncated>${truncated}</IsTruncated>${contents.join('')}${token}</ListBucketResult>`,
  );
}

/** An answer with an S3-style XML error body (a plain server's body would be text: both are read). */
function errorAnswer(res: ServerResponse, status: number, code: string, message: string): ServerResponse {
  res.statusCode = status;
  res.setHeader('content-type', 'application/xml');
  return res.end(
    code === ''
      ? message
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}
