/**
 * Writing an object: a Writable that streams into an S3 multipart upload in bounded memory, for
 * `-o s3://bucket/key` and a server keeping its uploads in a bucket.
 *
 * Bytes gather into parts of 8 MiB (S3's minimum is 5 MiB for every part but the last); each
 * full part is sent while the next fills, at most `concurrency` at a time, and the writer waits
 * beyond that (backpressure): memory stays under partSize × (concurrency + 1) whatever the size.
 * A body smaller than one part is sent with one PutObject. The object appears only when the
 * stream ends (CompleteMultipartUpload): a stream destroyed on an error or an abort sends
 * AbortMultipartUpload instead and leaves no object, not even a partial one.
 */
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { AbortError, ChunkmillError } from '../errors.js';
import { parseObjectUrl, displayUrl } from './object-url.js';
import { answerError } from './remote-errors.js';
import { type Answer, errorOf, parseXml, send, type RemoteSettings } from './request.js';

export const DEFAULT_PART_SIZE = 8 << 20;
/** S3's smallest part but the last. */
const MIN_PART_SIZE = 5 << 20;

export interface UploadOptions {
  /** Bytes per part (default 8 MiB; at least 5 MiB, S3's minimum). */
  partSize?: number;
  /** Parts sent at once (default 2). */
  concurrency?: number;
  /** The object's Content-Type. */
  contentType?: string;
  /**
   * Make the object only if its key is free (`If-None-Match: *` on the PutObject or the
   * CompleteMultipartUpload, S3's conditional write): a taken key fails with S3's 412, which is
   * ERR_FILE_CHANGED here, and is left as it was. A server that ignores the header (s3rver 3.7) writes regardless.
   */
  ifNoneMatch?: boolean;
}

/** Streams bytes into the object at `url` (s3:// only); see ObjectUploadStream. */
export function createObjectUpload(
  url: string,
  settings?: RemoteSettings,
  options: UploadOptions = {},
): ObjectUploadStream {
  return new ObjectUploadStream(url, settings, options);
}

/**
 * An upload as a destination that ends one of two ways: `close()` makes the object (and rejects
 * with the upload's error, coded and naming the URL), `discard()` aborts it and leaves none. The
 * CLI's `-o s3://` and a job's object output (job/output-target.ts) both write through this.
 */
export interface ObjectSink {
  readonly stream: ObjectUploadStream;
  /**
   * Sends what is left and makes the object. `signal`: a cancel that comes while the last parts
   * are still going out stops the upload instead (AbortError, no object); only one that comes
   * after the completion was sent is too late.
   */
  close(signal?: AbortSignal): Promise<void>;
  discard(): Promise<void>;
}

/** Opens an upload to `url` as an ObjectSink (parts of 8 MiB, two in flight, unless `options` say otherwise). */
export function openObjectSink(url: string, settings?: RemoteSettings, options: UploadOptions = {}): ObjectSink {
  const stream = createObjectUpload(url, settings, options);
  // Surfaced by close() through finished(), or by whoever listens to the stream.
  stream.on('error', () => {});
  return {
    stream,
    async close(signal) {
      const stop = () => stream.destroy(new AbortError());
      if (signal?.aborted) stop();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        if (!stream.writableEnded && !stream.destroyed) stream.end();
        await finished(stream);
      } finally {
        signal?.removeEventListener('abort', stop);
      }
    },
    discard: () => stream.abort(),
  };
}

/**
 * The upload as a Writable: `end()` it (or pipeline into it) to make the object; `destroy(err)`
 * or `abort()` to leave none. 'finish' comes only once the object exists.
 */
export class ObjectUploadStream extends Writable {
  readonly url: string;
  private readonly settings: RemoteSettings | undefined;
  private readonly partSize: number;
  private readonly concurrency: number;
  private readonly contentType: string | undefined;
  private readonly ifNoneMatch: boolean;
  private part: Buffer;
  private filled = 0;
  private uploadId: string | null = null;
  private readonly etags: string[] = [];
  private readonly sending = new Set<Promise<void>>();
  private failure: unknown = null;
  private completed = false;

  constructor(url: string, settings: RemoteSettings | undefined, options: UploadOptions) {
    super({ highWaterMark: 1 << 20 });
    const target = parseObjectUrl(url);
    if (target.kind !== 's3')
      throw new ChunkmillError({
        code: 'ERR_OBJECT_URL',
        file: displayUrl(url),
        message: `Cannot write to ${displayUrl(url)}: outputs go to s3:// URLs (an HTTP server takes no uploads)`,
      });
    this.url = target.url;
    this.settings = settings;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.contentType = options.contentType;
    this.ifNoneMatch = options.ifNoneMatch === true;
    this.part = Buffer.allocUnsafe(this.partSize);
  }

  /** True once the object exists (the stream finished). */
  get done(): boolean {
    return this.completed;
  }

  /** Parts sent so far (0: the object went, or will go, as one PutObject). */
  get parts(): number {
    return this.etags.length;
  }

  /** Stops the upload and removes what was sent; resolves once the server was told. */
  abort(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      // Destroyed by an error already: its abort is on the way; 'close' comes once it was sent.
      this.once('close', () => resolve());
      if (!this.destroyed) this.destroy();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.take(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.completed) {
      callback(error);
      return;
    }
    this.cancel().then(
      () => callback(error),
      () => callback(error),
    );
  }

  private async take(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      const n = chunk.copy(this.part, this.filled, at);
      this.filled += n;
      at += n;
      if (this.filled === this.partSize) await this.sendPart();
    }
  }

  /** Sends the full part (starting the multipart upload first), waiting while too many are out. */
  private async sendPart(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (this.uploadId === null) this.uploadId = await this.createUpload();
    const body = this.part.subarray(0, this.filled);
    const number = this.etags.length + 1;
    this.etags.push('');
    this.part = Buffer.allocUnsafe(this.partSize);
    this.filled = 0;
    const query = `partNumber=${number}&uploadId=${encodeURIComponent(this.uploadId)}`;
    const sent = send({ url: this.url, method: 'PUT', query, body }, this.settings, async (r) => {
      r.cancel();
      this.etags[number - 1] = r.headers.get('etag') ?? '';
    }).catch((e: unknown) => {
      this.failure ??= e;
    });
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
    while (this.sending.size >= this.concurrency) await Promise.race(this.sending);
    if (this.failure !== null) throw this.failure;
  }

  private async finish(): Promise<void> {
    if (this.destroyed) throw this.failure ?? new AbortError();
    if (this.uploadId === null) {
      // Smaller than one part: one PutObject.
      const headers: Record<string, string> = this.contentType ? { 'content-type': this.contentType } : {};
      if (this.ifNoneMatch) headers['if-none-match'] = '*';
      await send(
        { url: this.url, method: 'PUT', headers, body: this.part.subarray(0, this.filled) },
        this.settings,
        (r) => drain(r),
      );
      this.completed = true;
      return;
    }
    if (this.filled > 0) await this.sendPart();
    await Promise.all(this.sending);
    if (this.failure !== null) throw this.failure;
    // Destroyed (aborted, cancelled) while its last parts went out: _destroy aborts the upload,
    // and no completion may race it into making the object.
    if (this.destroyed) throw new AbortError();
    const parts = this.etags.map(
      (etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlText(etag)}</ETag></Part>`,
    );
    const body = Buffer.from(`<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`);
    const query = `uploadId=${encodeURIComponent(this.uploadId)}`;
    const headers: Record<string, string> = this.ifNoneMatch ? { 'if-none-match': '*' } : {};
    await send({ url: this.url, method: 'POST', query, headers, body }, this.settings, async (r) => {
      // S3 may answer 200 and still fail: the error is then in the body.
      const text = await r.text();
      const error = errorOf(text);
      if (error.code !== undefined)
        throw answerError(this.url, { status: 400, code: error.code, message: error.message ?? '' });
    });
    this.completed = true;
  }

  /** Waits for the parts out, then AbortMultipartUpload (best effort: the object never came to be). */
  private async cancel(): Promise<void> {
    await Promise.all(this.sending);
    if (this.uploadId === null) return;
    const query = `uploadId=${encodeURIComponent(this.uploadId)}`;
    const settings = { ...this.settings, retry: { ...this.settings?.retry, tries: 2 } };
    await send({ url: this.url, method: 'DELETE', query }, settings, drain).catch(() => {
      // s3rver 3.7 has no AbortMultipartUpload (405). The parts then stay on the server until a
      // bucket lifecycle rule removes them; no object was made either way.
    });
  }

  private async createUpload(): Promise<string> {
    const headers: Record<string, string> = this.contentType ? { 'content-type': this.contentType } : {};
    return send({ url: this.url, method: 'POST', query: 'uploads', headers }, this.settings, async (r) => {
      const doc = parseXml(await r.text()) as { InitiateMultipartUploadResult?: { UploadId?: unknown } };
      const id = doc.InitiateMultipartUploadResult?.UploadId;
      if (typeof id !== 'string' || id === '') throw new Error('CreateMultipartUpload answered no UploadId');
      return id;
    });
  }
}

/** Deletes the object at `url` (s3://); deleting a missing key is no error (S3 answers 204). */
export async function deleteObject(url: string, settings?: RemoteSettings): Promise<void> {
  const target = parseObjectUrl(url);
  if (target.kind !== 's3')
    throw new ChunkmillError({
      code: 'ERR_OBJECT_URL',
      file: displayUrl(url),
      message: `Cannot delete ${displayUrl(url)}`,
    });
  await send({ url: target.url, method: 'DELETE' }, settings, drain);
}

async function drain(r: Answer): Promise<void> {
  r.cancel();
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
