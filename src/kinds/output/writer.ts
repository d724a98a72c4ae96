/**
 * A job's destination, on the coordinator (a transform's output, a rejects file): a file, a
 * target the job layer opened (an object's multipart upload, job/output-target.ts), or a
 * caller's writable stream. A target is made only when the job succeeds (close) and leaves
 * nothing when it fails or is cancelled (discard), as a file does. A file is written under a new name and takes its own name only when
 * the job succeeds (output-file.ts): a failed or cancelled job leaves no output, and an existing
 * file as it was. A caller's stream gets whole chunks only, so a failed job leaves complete
 * lines in it. Backpressure is reported, so the scheduler stops dispatching while it is full.
 */
import { createWriteStream, WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Confinement } from '../../api/confinement.js';
import { ChunkmillError } from '../../errors.js';
import type { OutputFormat } from './encoder.js';
import { OutputFile } from './output-file.js';
import { giveBack } from './output-buffers.js';

/** Where a transform's rows go, checked (plan/validate.ts): exactly one of path and stream. */
export interface ResolvedOutput {
  path: string | undefined;
  stream: NodeJS.WritableStream | undefined;
  format: OutputFormat;
  columns: readonly string[] | undefined;
}

/**
 * A destination this layer cannot open itself (kinds imports no remote code): the job layer opens
 * it and hands it here. `close()` ends the stream and resolves once the destination holds all of
 * it (the object exists); `discard()`, after a failure, leaves nothing (the upload is aborted).
 */
export interface OutputTarget {
  readonly stream: Writable;
  close(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * The job layer's opener: a target for `path` (an s3:// URL), or null for a local file, which
 * OutputWriter opens itself. Throws a coded error for a path it cannot write (an http:// URL).
 */
export type OpenOutputTarget = (path: string) => Promise<OutputTarget | null>;

/** Where a job's destinations may be opened: an engine's confinement, the job layer's opener. */
export interface OutputPlace {
  confinement: Confinement | undefined;
  openTarget: OpenOutputTarget | undefined;
}

/** A path that names a URL (`s3://`, `https://`), refused where no opener could take it. */
const URL_PATH = /^[a-z][a-z0-9+.-]*:\/\//i;

export class OutputWriter {
  bytesWritten = 0;
  /** The stream writes to a file descriptor: a file stream, or this process's stdout. */
  private readonly toDescriptor: boolean;
  /** Set by a stream error or an early close; the next write or the final close throws it. */
  private failure: ChunkmillError | null = null;
  private onFailure: ((e: ChunkmillError) => void) | null = null;

  private constructor(
    private readonly stream: Writable,
    private readonly name: string,
    private readonly owned: boolean,
    private readonly file: OutputFile | null = null,
    private readonly target: OutputTarget | null = null,
  ) {
    this.toDescriptor = stream instanceof WriteStream || stream === process.stdout;
    stream.on('error', (e) => this.fail(`Cannot write ${name}: ${e.message}`, e));
    stream.on('close', () => {
      if (!this.closing) this.fail(`${name} was closed before the job finished`);
    });
  }

  private closing = false;

  /**
   * Opens output.path (created, or replaced when the job succeeds; an object through the job
   * layer's target) or takes output.stream; fails on a closed stream. `place.confinement`: an
   * engine's (checked at open, output-file.ts); `option`: the option that named the path, for errors.
   */
  static async open(
    output: ResolvedOutput,
    place: OutputPlace = { confinement: undefined, openTarget: undefined },
    option: 'output.path' | 'rejects' = 'output.path',
  ): Promise<OutputWriter> {
    const { confinement } = place;
    if (output.stream !== undefined) {
      const stream = output.stream as Writable;
      if (stream.destroyed || stream.writableEnded) {
        throw new ChunkmillError({
          code: 'ERR_OUTPUT',
          message: 'The output stream is already closed',
          option: 'output.stream',
        });
      }
      return new OutputWriter(stream, 'the output stream', false);
    }
    const path = output.path!;
    const cannot = (e: unknown) => (e instanceof ChunkmillError ? e : cannotCreate(path, option, e));
    const target = await place.openTarget?.(path);
    if (target != null) return new OutputWriter(target.stream, path, true, null, target);
    // Without the job layer's opener a URL would become a local file's name (`s3:/bucket/key`).
    if (place.openTarget === undefined && URL_PATH.test(path))
      throw new ChunkmillError({
        code: 'ERR_OUTPUT',
        file: path.split('?')[0]!,
        option,
        message: `Cannot write ${path.split('?')[0]}: this job opens local files only (objects are written by processDataset, processSerial and an engine)`,
      });
    const file = await OutputFile.create(path, confinement).catch((e: unknown) => {
      throw cannot(e);
    });
    // The stream owns the handle and closes it when it ends.
    if (file !== null) return new OutputWriter(file.handle.createWriteStream(), path, true, file);
    // Not a regular file (a device, a FIFO; unconfined only): written directly, as it always was.
    const stream = createWriteStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e) => reject(cannot(e)));
    });
    return new OutputWriter(stream, path, true);
  }

  /** Called once with the first failure of the destination. */
  onError(handler: (e: ChunkmillError) => void): void {
    this.onFailure = handler;
    if (this.failure !== null) handler(this.failure);
  }

  /**
   * `recycle`: `bytes` is a chunk's output in a buffer of its own, which may carry a later chunk's
   * once written (output-buffers.ts). Only where the stream writes to a file descriptor (a file
   * stream, stdout): once its write is done nothing holds the bytes, where another stream (a
   * PassThrough, an upload's) may keep the chunk itself for later.
   */
  write(bytes: Uint8Array | string, recycle = false): void {
    if (this.failure !== null) throw this.failure;
    if (this.stream.destroyed || this.stream.writableEnded)
      this.fail(`${this.name} was closed before the job finished`);
    if (this.failure !== null) throw this.failure;
    if (recycle && this.toDescriptor && typeof bytes !== 'string')
      this.stream.write(bytes, (e) => e == null && giveBack(bytes.buffer as ArrayBuffer));
    else this.stream.write(bytes);
    this.bytesWritten += typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  }

  /** True while the destination's buffer is full; `wake` runs once it drains. */
  blocked(wake: () => void): boolean {
    if (!this.stream.writableNeedDrain || this.failure !== null) return false;
    // One listener however often the scheduler asks while the destination stays full.
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.stream.once('drain', () => {
        this.waitingForDrain = false;
        wake();
      });
    }
    return true;
  }

  private waitingForDrain = false;

  /**
   * Flushes. A file we created is ended and closed, then takes its name (`ok`) or is removed
   * (after a failure: `ok` false); a target is closed (the object made) or discarded; a caller's
   * stream stays open for the caller.
   */
  async close(ok: boolean): Promise<void> {
    this.closing = true;
    if (this.target !== null) {
      const target = this.target;
      await this.settle(
        ok && this.failure === null,
        () => target.close(),
        () => target.discard(),
      );
    } else if (this.owned) {
      await new Promise<void>((resolve) => {
        if (this.stream.closed) resolve();
        else this.stream.end(() => resolve());
        this.stream.once('error', () => resolve());
      });
      const file = this.file;
      if (file !== null)
        await this.settle(
          ok && this.failure === null,
          () => file.commit(),
          () => file.discard(),
        );
    } else if (ok && this.stream.writableNeedDrain && this.failure === null) {
      await new Promise<void>((resolve) => {
        this.stream.once('drain', resolve);
        this.stream.once('error', resolve);
        this.stream.once('close', resolve);
      });
    }
    if (ok && this.failure !== null) throw this.failure;
  }

  /**
   * The output is made (a new file takes its name, a target completes its object), or leaves
   * nothing; its failure to be made is the job's.
   */
  private async settle(keep: boolean, make: () => Promise<void>, discard: () => Promise<void>): Promise<void> {
    if (!keep) return discard();
    try {
      await make();
    } catch (e) {
      await discard();
      throw e instanceof ChunkmillError ? e : cannotCreate(this.name, undefined, e);
    }
  }

  private fail(message: string, cause?: unknown): void {
    if (this.failure !== null) return;
    this.failure = new ChunkmillError(
      { code: 'ERR_OUTPUT', message, ...(this.owned ? { file: this.name } : {}) },
      { cause },
    );
    this.onFailure?.(this.failure);
  }
}

/**
 * ERR_OUTPUT for a file that cannot be made: the system's message names the path as given
 * (never the new file's name beside it, nor the call that failed on the way).
 */
function cannotCreate(path: string, option: string | undefined, e: unknown): ChunkmillError {
  const err = e as NodeJS.ErrnoException;
  const reason = err.code !== undefined ? err.message.replace(/, \w+ '.*'$/s, `, open '${path}'`) : String(err.message);
  return new ChunkmillError(
    {
      code: 'ERR_OUTPUT',
      file: path,
      ...(option !== undefined ? { option } : {}),
      message: `Cannot create ${path}: ${reason}`,
    },
    { cause: e },
  );
}
