/**
 * chunkmill/experimental: contracts for building on the engine's seams, which may change in any
 * release (not only a major one). Today, the Executor seam (src/exec/executor.ts): an Executor
 * runs a job's chunk requests and answers each with a chunk reply; createEngine's `executor`
 * option takes one, and an ExecutorProvider is where a job acquires one and gives it back.
 *
 * Types only; nothing is defined here.
 */
export type { ChunkPolicy, Executor, ExecutorProvider } from './exec/executor.js';
export type {
  ChunkReply,
  ChunkRequest,
  InputIdentity,
  ParseBytesRequest,
  ParseChunkRequest,
  ParseOutcome,
  ParseRequest,
  ParseRowsRequest,
  StartFlag,
  SummarizeRequest,
} from './exec/protocol.js';
export type { ControlChannel } from './kinds/user/context.js';
