/**
 * Failures of object requests as coded errors. Each names the object by its display URL (never a
 * password, a presigned query or a secret key), says what the server or the network said, and
 * carries a hint: these are user mistakes or outages, so the CLI shows no stack trace.
 */
import { ChunkmillError } from '../errors.js';
import { displayUrl } from './object-url.js';

/** What an S3 error body (or a plain HTTP answer) said. */
export interface ServerAnswer {
  status: number;
  /** S3's `<Code>`, such as NoSuchKey or SignatureDoesNotMatch; '' for a plain HTTP server. */
  code: string;
  /** S3's `<Message>` or the status text. */
  message: string;
  /** S3's x-amz-bucket-region, sent when a request went to the wrong region. */
  region?: string;
}

/** S3 codes that mean "who you are" is wrong rather than "what you may do". */
const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
  'InvalidClientTokenId',
]);

/** A non-2xx answer that retrying will not change, as its coded error. */
export function answerError(url: string, answer: ServerAnswer): ChunkmillError {
  const shown = displayUrl(url);
  const said = describe(answer);
  if (answer.status === 404)
    return new ChunkmillError({
      code: 'ERR_OBJECT_NOT_FOUND',
      file: shown,
      message: `No such object: ${shown} (${said})`,
      hint: answer.code === 'NoSuchBucket' ? 'check the bucket name' : 'check the key or path',
    });
  if (answer.status === 401 || AUTH_CODES.has(answer.code))
    return new ChunkmillError({
      code: 'ERR_OBJECT_AUTH',
      file: shown,
      message: `The server refused the credentials for ${shown} (${said})`,
      hint:
        answer.region !== undefined && answer.code === 'AuthorizationHeaderMalformed'
          ? `the bucket is in region ${answer.region}: set AWS_REGION=${answer.region} (or the s3.region option)`
          : 'check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or the profile, or the s3.credentials option), and the region',
    });
  if (answer.status === 403)
    return new ChunkmillError({
      code: 'ERR_OBJECT_FORBIDDEN',
      file: shown,
      message: `Access denied to ${shown} (${said})`,
      hint: 'the credentials are valid but may not read this object: check the bucket policy or IAM permissions',
    });
  if (answer.status === 412) return objectChanged(url, 'its ETag no longer matches');
  return new ChunkmillError({
    code: 'ERR_OBJECT_UNAVAILABLE',
    file: shown,
    message: `The server refused a request for ${shown} (${said})`,
    ...(answer.region !== undefined
      ? { hint: `the bucket is in region ${answer.region}: set AWS_REGION=${answer.region} (or the s3.region option)` }
      : {}),
  });
}

/** A transient fault that outlasted every retry. */
export function unavailable(url: string, tries: number, last: string): ChunkmillError {
  const shown = displayUrl(url);
  return new ChunkmillError({
    code: 'ERR_OBJECT_UNAVAILABLE',
    file: shown,
    message: `${shown} is unavailable: ${tries} tries failed, the last with ${last}`,
    hint: 'the server is overloaded or failing; try again later',
  });
}

/** The network could not reach the server at all (`why`: refused, no such host, TLS). */
export function unreachable(url: string, why: string, cause?: unknown): ChunkmillError {
  const shown = displayUrl(url);
  return new ChunkmillError(
    {
      code: 'ERR_OBJECT_UNREACHABLE',
      file: shown,
      message: `Cannot reach the server of ${shown}: ${why}`,
      hint: 'check the URL (or s3.endpoint / AWS_ENDPOINT_URL) and that the server is up',
    },
    cause === undefined ? undefined : { cause },
  );
}

/** The object differs from the one the job planned with. */
export function objectChanged(url: string, why: string): ChunkmillError {
  const shown = displayUrl(url);
  return new ChunkmillError({
    code: 'ERR_FILE_CHANGED',
    file: shown,
    message: `The object ${shown} changed while it was processed: ${why}`,
    hint: 'run the job again on the new version',
  });
}

/** The server sends the whole object where a byte range was asked for. */
export function rangeUnsupported(url: string, why: string): ChunkmillError {
  const shown = displayUrl(url);
  return new ChunkmillError({
    code: 'ERR_RANGE_UNSUPPORTED',
    file: shown,
    message: `${shown} cannot be read in byte ranges: ${why}`,
    hint: 'the server does not answer Range requests; such an input can only be read as one stream',
  });
}

/** How a failed try is described in the last message: "503 SlowDown", "a connection reset". */
export function describe(answer: ServerAnswer): string {
  const parts = [String(answer.status)];
  if (answer.code !== '') parts.push(answer.code);
  if (answer.message !== '' && answer.message !== answer.code) parts.push(`"${answer.message}"`);
  return parts.join(' ');
}
