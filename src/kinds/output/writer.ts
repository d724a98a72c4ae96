/**
 * The transform's destination, on the coordinator: a file it creates, or a caller's writable
 * stream. Writes whole chunks only, so a failed or cancelled job leaves complete lines behind,
 * and reports backpressure so the scheduler stops dispatching while the destination is full.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { ChunkmillError } from '../../errors.js';
import type { OutputFormat } from './encoder.js';

/** Where a transform's rows go, checked (plan/validate.ts): exactly one of path and stream. */
export interface ResolvedOutput {
  path: string | undefined;
  stream: NodeJS.WritableStream | undefined;
  format: OutputFormat;
  columns: readonly string[] | undefined;
}

export class OutputWriter {
  bytesWritten = 0;
  /** Set by a stream error or an early close; the next write or the final close throws it. */
  private failure: ChunkmillError | null = null;
  private onFailure: ((e: ChunkmillError) => void) | null = null;

  private constructor(
    private readonly stream: Writable,
    private readonly name: string,
    private readonly owned: boolean,
  ) {
    stream.on('error', (e) => this.fail(`Cannot write ${name}: ${e.message}`, e));
    stream.on('close', () => {
      if (!this.closing) this.fail(`${name} was closed before the job finished`);
    });
  }

  private closing = false;

  /** Opens output.path (created or replaced) or takes output.stream; fails on a closed stream. */
  static async open(output: ResolvedOutput): Promise<OutputWriter> {
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
    const stream = createWriteStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e) =>
        reject(
          new ChunkmillError(
            { code: 'ERR_OUTPUT', file: path, option: 'output.path', message: `Cannot create ${path}: ${e.message}` },
            { cause: e },
          ),
        ),
      );
    });
    return new OutputWriter(stream, path, true);
  }

  /** Called once with the first failure of the destination. */
  onError(handler: (e: ChunkmillError) => void): void {
    this.onFailure = handler;
    if (this.failure !== null) handler(this.failure);
  }

  write(bytes: Uint8Array | string): void {
    if (this.failure !== null) throw this.failure;
    if (this.stream.destroyed || this.stream.writableEnded)
      this.fail(`${this.name} was closed before the job finished`);
    if (this.failure !== null) throw this.failure;
    this.stream.write(bytes);
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
   * Flushes. A file we created is ended and closed; a caller's stream stays open for the caller.
   * After a failure (`ok` false) the file is still closed, keeping the complete chunks written.
   */
  async close(ok: boolean): Promise<void> {
    this.closing = true;
    if (this.owned) {
      await new Promise<void>((resolve) => {
        if (this.stream.closed) resolve();
        else this.stream.end(() => resolve());
        this.stream.once('error', () => resolve());
      });
    } else if (ok && this.stream.writableNeedDrain && this.failure === null) {
      await new Promise<void>((resolve) => {
        this.stream.once('drain', resolve);
        this.stream.once('error', resolve);
        this.stream.once('close', resolve);
      });
    }
    if (ok && this.failure !== null) throw this.failure;
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
