/**
 * Checkpoint and resume: each merged chunk's outcome (its partial result, where it ended, its
 * line count) is appended to a journal, durably, so a job killed at any point (kill -9 included)
 * resumes without redoing those chunks and returns exactly the uninterrupted result.
 *
 * Where the journal's bytes are kept is the Journal seam's (api/journal.ts): a file for
 * processDataset's `checkpoint: path` (file-journal.ts), the job store for an engine's jobs. The
 * bytes are the same either way.
 *
 * The journal's first line is a key over everything the outcomes depend on: the input's
 * identity (absolute path, size, mtime; for a dataset, every source's, in order), the chunk
 * plan, the dialect and the work (aggregate spec, or task module and params), and the policies.
 * Chunk indexes run over the whole dataset, so a journal line names one chunk of one file. A
 * journal with another key is refused (ERR_CHECKPOINT_MISMATCH), never mixed in. Each later line
 * is one chunk, v8-serialized (typed arrays and task accumulators survive as structured clone
 * would carry them) and base64-encoded; a last line cut short by a crash is ignored and that
 * chunk is redone.
 *
 * On resume the boundary phase still runs (it is cheap); a chunk whose journaled start equals
 * its stitched start takes its outcome from the journal instead of a worker.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Journal } from '../api/journal.js';
import { ChunkmillError } from '../errors.js';
import type { InputIdentity, ParseOutcome } from '../exec/protocol.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { FileJournal } from './file-journal.js';

const VERSION = 1;

export interface JournalEntry {
  index: number;
  /** The chunk's first record start, as stitched when it was parsed. */
  start: number;
  outcome: ParseOutcome;
}

export class Checkpoint {
  /** Chunk outcomes from an earlier run, by chunk index. */
  readonly done = new Map<number, JournalEntry>();
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  private constructor(private readonly journal: Journal) {}

  /** Opens (resuming) or creates the journal for this job: a file path, or a Journal kept elsewhere. */
  static async open(where: string | Journal, key: string): Promise<Checkpoint> {
    const journal = typeof where === 'string' ? new FileJournal(where) : where;
    const entries: JournalEntry[] = [];
    // Bytes of the journal to keep: through the last whole line that decodes (0: start afresh).
    let keep = 0;
    const bytes = await journal.read();
    const text = bytes === null ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    // Only lines ended by "\n" were written whole; a crash may cut the last one (or the key line).
    const lines = text.split('\n').slice(0, -1);
    if (lines.length > 0) {
      const header = parseHeader(lines[0]);
      if (header?.key !== key) {
        throw new ChunkmillError({
          code: 'ERR_CHECKPOINT_MISMATCH',
          file: journal.name,
          option: 'checkpoint',
          message: `The checkpoint ${journal.name} belongs to another job or to another version of the input (${header === null ? 'not a chunkmill journal' : 'input, task module, options or chunk plan differ'})`,
          hint: 'delete it to start over, or give this job its own checkpoint path',
        });
      }
      keep = lines[0]!.length + 1;
      for (const line of lines.slice(1)) {
        try {
          entries.push(deserialize(Buffer.from(line, 'base64')) as JournalEntry);
        } catch {
          break; // damaged: this chunk and any after it are redone
        }
        keep += line.length + 1;
      }
    }
    // Appends go after the last good line: a torn line left in place would swallow the next one.
    await journal.truncate(keep).catch((e: unknown) => {
      throw writeError(journal, e);
    });
    const checkpoint = new Checkpoint(journal);
    for (const e of entries) checkpoint.done.set(e.index, e);
    if (keep === 0) checkpoint.append(JSON.stringify({ chunkmill: VERSION, key }));
    return checkpoint;
  }

  /** Journals a merged chunk (queued: the merge does not wait for the journal). */
  record(entry: JournalEntry): void {
    if (this.done.has(entry.index)) return; // it came from the journal
    this.append(serialize(entry).toString('base64'));
  }

  /** Waits for every queued write; after success the journal is removed (nothing to resume). */
  async close(success: boolean): Promise<void> {
    await this.writes;
    await this.journal.close();
    if (this.failure !== null && success) throw this.failure;
    if (success) await this.journal.remove();
  }

  private append(line: string): void {
    // Appended in order, off this thread; a crash loses at most the chunks in flight.
    this.writes = this.writes.then(async () => {
      if (this.failure !== null) return;
      try {
        await this.journal.append(Buffer.from(line + '\n', 'latin1'));
      } catch (e) {
        this.failure = writeError(this.journal, e);
      }
    });
  }
}

/** A journal that cannot be written: ERR_OUTPUT naming it (a store's own coded error as it is). */
function writeError(journal: Journal, e: unknown): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  return new ChunkmillError(
    {
      code: 'ERR_OUTPUT',
      file: journal.name,
      option: 'checkpoint',
      message: `Cannot write the checkpoint ${journal.name}: ${(e as Error).message}`,
    },
    { cause: e },
  );
}

function parseHeader(line: string | undefined): { key: string } | null {
  try {
    const header = JSON.parse(line ?? '') as { chunkmill?: unknown; key?: unknown };
    return header.chunkmill === VERSION && typeof header.key === 'string' ? { key: header.key } : null;
  } catch {
    return null;
  }
}

/**
 * The task module's own bytes: a module fixed between a crash and the rerun must not resume from
 * the old one's results. (Modules it imports are not followed.)
 */
function moduleHash(url: string): string {
  try {
    return createHash('sha256')
      .update(readFileSync(new URL(url)))
      .digest('hex');
  } catch {
    return url; // not a readable file: ERR_TASK_LOAD comes from loading it
  }
}

/** The journal key of a job over one local file: everything a chunk's outcome depends on. */
export function checkpointKey(
  opts: ResolvedOptions,
  path: string,
  size: number,
  mtimeMs: number,
  chunkSize: number,
): string {
  return keyOf(opts, { input: { path: resolve(path), size, mtimeMs } }, chunkSize);
}

/**
 * The journal key of a job over a dataset: every source's identity, in dataset order (a local
 * file's absolute path, size and mtime; an object's URL, size, ETag and Last-Modified), so a file
 * changed, added, removed or reordered since the journal was written is a mismatch. A dataset of
 * one local file has the key that file alone has.
 */
export function datasetCheckpointKey(opts: ResolvedOptions, sources: readonly InputIdentity[], chunkSize: number) {
  const only = sources.length === 1 && sources[0]!.object === undefined ? sources[0]! : null;
  if (only !== null) return checkpointKey(opts, only.path, only.size, only.mtimeMs, chunkSize);
  const inputs = sources.map(({ path, size, mtimeMs, object }) =>
    object === undefined
      ? { path: resolve(path), size, mtimeMs }
      : { url: object.url, size, etag: object.etag, lastModified: object.lastModified },
  );
  return keyOf(opts, { inputs }, chunkSize);
}

function keyOf(opts: ResolvedOptions, input: object, chunkSize: number): string {
  const { work } = opts;
  const what =
    work.kind === 'aggregate'
      ? { aggregate: work.spec }
      : { task: work.url, source: moduleHash(work.url), params: serialize(work.params).toString('base64') };
  const identity = {
    ...input,
    chunkSize,
    csv: { delimiter: opts.delimiter, quote: opts.quote, header: opts.header },
    policies: {
      onBadRow: opts.onBadRow,
      onBadNumber: opts.onBadNumber,
      onQuoteMismatch: opts.onQuoteMismatch,
      maxRecordSize: opts.maxRecordSize,
    },
    what,
    // Absent without a filter, so journals written before the option existed keep their key.
    where: opts.where?.text,
    // Absent when off, for the same reason: a remapped source's outcomes differ from its own.
    ...(opts.unionColumns && { unionColumns: true }),
    // A chunk's values read in another encoding or with another decimal separator are other
    // values; absent at their defaults, so older journals keep their key.
    ...(opts.encoding !== 'utf8' && { encoding: opts.encoding }),
    ...(opts.decimal !== '.' && { decimal: opts.decimal }),
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
