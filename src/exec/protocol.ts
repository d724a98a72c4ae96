/**
 * The messages between the coordinator and a worker thread: the chunk requests, their replies,
 * and the control channel's API. Types only: both sides import this file, neither imports the other.
 *
 * A request is small plain data (a path and a byte range, or bytes cut from a stream, or array
 * items) plus the computation's spec; a reply is a small partial or an error as data, never rows.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Confinement } from '../api/confinement.js';
import type { ChunkSummary } from '../csv/boundary.js';
import type { Dialect } from '../csv/scanner.js';
import type { InputEncoding } from '../csv/encoding.js';
import type { ErrorData } from '../errors.js';
import type { FileId } from '../input/open-input.js';
import type { RangeOutcome } from '../input/read-range.js';
import type { AggregatePartial } from '../kinds/aggregate/partial.js';
import type { ComputationSpec } from '../kinds/computation-spec.js';
import type { ColumnRemap } from '../kinds/remap-sink.js';
import type { ObjectInfo } from '../remote/object-info.js';
import type { S3Settings } from '../api/s3-settings.js';
import type { UserPartial } from '../kinds/user/sinks.js';

/** The identity of the input as planned; a worker refuses a file that no longer matches. */
export interface InputIdentity {
  /** The input as messages name it: a file's path, or an object's URL (never with a secret in it). */
  path: string;
  size: number;
  /** A file's modified time (0 for an object: its `object` identity says more). */
  mtimeMs: number;
  /** An object in S3 or on an HTTP server, read by ranged GETs checked against this identity. */
  object?: ObjectInfo;
  /**
   * S3 settings given from code (the `s3` option) for this process's threads. Never sent to a
   * cluster worker (cluster/codec.ts): those take their credentials from their own environment.
   */
  s3?: S3Settings;
  /** A confined job's (engine `confine`): the worker's open proves the file is still inside. */
  confinement?: Confinement;
  /** With `confinement`: the file the coordinator proved inside; a worker that opens it needs no other proof. */
  fileId?: FileId;
}

/** Set by the worker when it starts a request: the executor times chunks from then (timeout). */
export interface StartFlag {
  flags: Int32Array;
  slot: number;
}

/** What an executor adds to a request on its way into a thread. */
interface Delivery {
  /** Present when the chunk has a timeout. */
  started?: StartFlag;
  /** User modules, when someone listens: the comlink control channel (ctx.log, ctx.progress), transferred. */
  port?: MessagePort;
}

/** Phase A: the quote-parity summary of a file range. */
export interface SummarizeRequest extends Delivery {
  op: 'summarize';
  input: InputIdentity;
  start: number;
  end: number;
  quote: number;
}

interface ParseCommon extends Delivery {
  chunkIndex: number;
  dialect: Dialect;
  computation: ComputationSpec;
  maxRecordSize: number;
  /** A written output buffer for a transform's output, transferred (kinds/output/output-buffers.ts). */
  outputBuffer?: ArrayBuffer;
}

/** Phase B on a file range. */
export interface ParseRequest extends ParseCommon {
  op: 'parse';
  input: InputIdentity;
  /** An exact record start. */
  start: number;
  end: number;
  /** verify: 'content': the chunk's first byte; the reply's `crc` covers [crcFrom, next). */
  crcFrom?: number;
  /** unionColumns: the source's columns onto the dataset's (absent where they are the same). */
  remap?: ColumnRemap;
}

/** Phase B on bytes cut from a stream at a record boundary (the whole buffer is owned). */
export interface ParseBytesRequest extends ParseCommon {
  op: 'parseBytes';
  format: 'csv' | 'ndjson';
  bytes: Uint8Array;
}

/** Phase B on records of an in-memory array. */
export interface ParseRowsRequest extends ParseCommon {
  op: 'parseRows';
  rows: readonly unknown[];
}

/**
 * Phase A and a speculative phase B in one read of the range (an object's chunk, whose bytes cost
 * a ranged GET each time they are read): the summary, and the parse of the records from `from`,
 * or, without it, from the summary's first record start at even quote parity (where the chunk's
 * records start unless a quoted field crosses into it). The scheduler keeps that parse when the
 * stitched start agrees, and asks for a plain parse when it does not.
 */
export interface SummarizeParseRequest extends ParseCommon {
  op: 'summarizeParse';
  input: InputIdentity;
  start: number;
  end: number;
  quote: number;
  /** The chunk's known first record start (a source's first chunk: its data start). */
  from?: number;
  /** As a ParseRequest's. */
  remap?: ColumnRemap;
}

/**
 * A whole source that cannot be split (a dataset's gzip part), in one worker: opened (a local
 * file, or the object by one GET), inflated, cut into chunks of `chunkSize` and parsed one after
 * another into one sink, its header checked against the first file's. The reply's lines, errors
 * and rejects count from the file's first byte (schedule/whole-file-scheduler.ts).
 */
export interface ParseFileRequest extends ParseCommon {
  op: 'parseFile';
  /** The file (its planned size and modified time) or the object (one GET of its planned version). */
  input: InputIdentity;
  gzip: boolean;
  format: 'csv' | 'ndjson';
  /** How its header is read and its records are cut (input/stream-source.ts). */
  cut: { delimiter: string; quote: string; header: boolean; encoding?: InputEncoding; chunkSize: number };
  /** The first file's name and columns, which this file's header must repeat. */
  first: { name: string; columns: string[] };
}

export type ParseChunkRequest = ParseRequest | ParseBytesRequest | ParseRowsRequest;
export type ChunkRequest = SummarizeRequest | SummarizeParseRequest | ParseChunkRequest | ParseFileRequest;

/** A parsed chunk: where it ended, its counts and rejects (RangeOutcome), and its partial result. */
export interface ParseOutcome extends RangeOutcome {
  partial: AggregatePartial | UserPartial;
  /** parseFile's: what the scheduler needs to place the file's outcome. */
  file?: {
    /** The file's bytes as parsed (after inflate), as a stream's progress counts them. */
    bytes: number;
    /** `error` is complete as thrown (by reading the file: its header, bad gzip), not a chunk's to place. */
    located: boolean;
    /** `error` is an unclosed quote in a chunk that was not the file's last: a cut inside a record. */
    cutInQuote: boolean;
  };
}

/** A summary; with summarizeParse, also the parse from `from` (none where the chunk owns no record). */
export type ChunkReply =
  | { summary: ChunkSummary; speculative?: { from: number; outcome: ParseOutcome } }
  | { parsed: ParseOutcome }
  | { error: ErrorData };

/** The coordinator's side of the control channel, as comlink exposes it. */
export interface ControlApi {
  log(chunkIndex: number, message: string): void;
  progress(chunkIndex: number, value: unknown): void;
  /** Answered after every earlier message: the worker awaits it before returning its chunk. */
  flush(): void;
}
