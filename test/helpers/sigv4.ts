/**
 * A check of AWS Signature Version 4 as a server makes it, written from AWS's specification
 * ("Create a signed AWS API request": canonical request, string to sign, signing key), with
 * node:crypto alone. s3rver does not check SigV4 signatures at all, so without this nothing in
 * the tests would show that the client's signatures are right, for keys with spaces, `+` and
 * other characters that encode in more than one way.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** S3's UriEncode: every byte but A-Z a-z 0-9 - _ . ~ as %XX (uppercase); '/' kept in paths. */
function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * Whether `req` carries a valid SigV4 signature for the key id `accessKeyId` and `secret`:
 * 'ok', or why not ('no signature', 'other key id', 'mismatch').
 */
export function checkSigV4(req: IncomingMessage, accessKeyId: string, secret: string): string {
  const auth = req.headers.authorization ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (m === null) return 'no signature';
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== accessKeyId) return 'other key id';
  const url = new URL(req.url ?? '/', 'http://x');
  // The path as the client meant it: each segment decoded, then encoded S3's one way.
  const path = url.pathname
    .split('/')
    .map((segment) => uriEncode(decodeURIComponent(segment), false))
    .join('/');
  const query = [...url.searchParams]
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders!.split(';');
  const headers = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const payload = String(req.headers['x-amz-content-sha256'] ?? '');
  const canonical = [req.method, path, query, headers, signedHeaders, payload].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = [
    'AWS4-HMAC-SHA256',
    String(req.headers['x-amz-date']),
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === signature ? 'ok' : 'mismatch';
}
