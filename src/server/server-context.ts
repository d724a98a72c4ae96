/** What the routes share: the queue, the confinement of paths and modules, and the open streams. */
import type { Queue } from '../index.js';
import type { DataDir } from './data-dir.js';
import type { ObjectDataDir } from './object-data-dir.js';
import type { InputAllowList } from './input-allow.js';
import type { LinkSigner } from './links.js';
import type { Presenter } from './presenter.js';
import type { SseStream } from './sse-stream.js';
import type { TaskModules } from './task-modules.js';

export interface ServerContext {
  queue: Queue;
  /** A local folder, or a bucket prefix (`--data-dir s3://bucket/prefix`). */
  dataDir: DataDir | ObjectDataDir;
  modules: TaskModules;
  /** The object URL prefixes a request may name as an input (none: files in the data dir only). */
  allowInput: InputAllowList;
  presenter: Presenter;
  /** Open SSE streams: ended with `end: shutdown` when the server stops. */
  streams: Set<SseStream>;
  heartbeatMs: number;
  /** Milliseconds a connection may stay silent both ways (an event stream gets at least twice its heartbeat). */
  idleTimeout: number;
  /** Largest upload in bytes. */
  uploadLimit: number;
  /** True once close() began: new streams are refused. */
  closing: () => boolean;
  /** Mints and checks link tokens (links.ts); null on a server without a token, where none are needed. */
  links: LinkSigner | null;
}
