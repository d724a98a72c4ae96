/**
 * A real S3-compatible server for tests: s3rver (a Node implementation of the S3 REST API over a
 * folder) on loopback, on a free port, with its data in a temp folder removed on stop.
 *
 * Buckets and objects are made here with aws4fetch's own signed fetches, not with src/remote:
 * a test of the client must not depend on the client to set up what it reads.
 *
 * s3rver runs in a child process (s3rver-child.mjs says why), so its work also shows as another
 * process's, as a real server's would.
 *
 * s3rver knows one account, S3RVER/S3RVER, and answers any other key id with 403
 * InvalidAccessKeyId. It does not check SigV4 signatures (a wrong secret passes), enforces no
 * bucket policies (no AccessDenied), ignores If-Match, and has no AbortMultipartUpload (405):
 * test/helpers/http-objects.ts stands in as an S3 endpoint for those answers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AwsClient } from 'aws4fetch';

const CHILD = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));

export const S3_KEY = 'S3RVER';
export const S3_SECRET = 'S3RVER';

export interface TestS3 {
  /** http://127.0.0.1:port */
  endpoint: string;
  /** The `s3` settings that reach it. */
  settings: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
  };
  createBucket(bucket: string): Promise<void>;
  putObject(bucket: string, key: string, body: Uint8Array | string, headers?: Record<string, string>): Promise<void>;
  /** The object's bytes, or null when there is none. */
  getObject(bucket: string, key: string): Promise<Buffer | null>;
  stop(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'chunkmill-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', CHILD, directory], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const address = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
  });
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new AwsClient({
    accessKeyId: S3_KEY,
    secretAccessKey: S3_SECRET,
    service: 's3',
    region: 'us-east-1',
    retries: 0,
  });
  const call = async (method: string, path: string, body?: Uint8Array | string, headers?: Record<string, string>) => {
    const r = await client.fetch(`${endpoint}/${path}`, { method, body: body ?? null, headers });
    const bytes = Buffer.from(await r.arrayBuffer());
    return { status: r.status, bytes };
  };
  const expectOk = (what: string, r: { status: number; bytes: Buffer }) => {
    if (r.status >= 300) throw new Error(`s3rver: ${what} answered ${r.status}: ${r.bytes.toString()}`);
  };
  const keyPath = (bucket: string, key: string) =>
    `${bucket}/${key
      .split('/')
      .map((s) => encodeURIComponent(s))
      .join('/')}`;
  return {
    endpoint,
    settings: {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_SECRET },
      forcePathStyle: true,
    },
    async createBucket(bucket) {
      expectOk(`create ${bucket}`, await call('PUT', bucket));
    },
    async putObject(bucket, key, body, headers) {
      expectOk(`put ${bucket}/${key}`, await call('PUT', keyPath(bucket, key), body, headers));
    },
    async getObject(bucket, key) {
      const r = await call('GET', keyPath(bucket, key));
      if (r.status === 404) return null;
      expectOk(`get ${bucket}/${key}`, r);
      return r.bytes;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The AWS_* environment of a process that reaches `endpoint` with s3rver's account (no profile read). */
export function awsEnv(endpoint: string): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: S3_KEY,
    AWS_SECRET_ACCESS_KEY: S3_SECRET,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_PROFILE: undefined,
  };
}

/**
 * Sets `env` in this process's environment (undefined: removed), for code under test that reads
 * its credentials from there as a deployed engine or server does; returns what puts it back.
 */
export function setEnv(env: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  return () => apply(saved);
}
