/**
 * A reply whose chunk output (a transform's encoded rows) is moved to the coordinator, not copied.
 *
 * Piscina clones a reply (structured clone): a chunk's output, megabytes, was copied twice (out of
 * the worker, into the coordinator) into memory fresh from the kernel, and each copy was garbage
 * the coordinator's thread collected (a 200 MB NDJSON convert: ~0.5 s of GC on it). Moved, the
 * output's ArrayBuffer changes hands as it is.
 *
 * Piscina.move marks a reply so, but it lives in the pool's index, which a worker thread does not
 * load otherwise: ~7-10 ms a thread (its timers, histograms and pool code), and in a stress of a
 * transform then gzip parts failing on a bad row (the pool kept between them) threads that had
 * loaded it hit Node 20's "close before init" zlib abort at their terminate() in 3 of 7 runs,
 * against 0 of 8 with the mark alone (before piscina-executor.ts's TERMINATE_GRACE_MS; the cause
 * is that race, the load only made it likelier). So the mark is Piscina's own markMovable, from
 * the module its worker script has loaded already (the lockfile pins piscina 5.3.2; where it is
 * missing the reply is cloned, as before).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChunkReply, ParseOutcome } from '../exec/protocol.js';
import type { UserPartial } from '../kinds/user/sinks.js';

type Mark = (value: object) => void;
let markMovable: Mark | null | undefined;

function marker(): Mark | null {
  if (markMovable !== undefined) return markMovable;
  try {
    const require = createRequire(import.meta.url);
    const common = require(join(dirname(require.resolve('piscina')), 'common.js')) as { markMovable?: unknown };
    markMovable = typeof common.markMovable === 'function' ? (common.markMovable as Mark) : null;
  } catch {
    markMovable = null;
  }
  return markMovable;
}

/** The reply as Piscina should send it: with the output's buffer in its transfer list, if it has one. */
export function withOutputMoved(reply: ChunkReply): ChunkReply {
  const outcome: ParseOutcome | undefined =
    'parsed' in reply ? reply.parsed : 'speculative' in reply ? reply.speculative?.outcome : undefined;
  const output = (outcome?.partial as UserPartial | undefined)?.output;
  // Always a buffer of its own (encoder.ts finish(), output-buffers.ts claim()).
  if (output === undefined) return reply;
  const mark = marker();
  if (mark === null) return reply;
  const moved = {
    [Symbol.for('Piscina.transferable')]: [output.buffer],
    [Symbol.for('Piscina.valueOf')]: reply,
  };
  mark(moved);
  return moved as unknown as ChunkReply;
}
