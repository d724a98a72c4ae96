/**
 * What user code sees of the engine (ctx), and calling user code so that a throw becomes a coded
 * error: ERR_TASK_FAILED with the task's own message, or the ChunkmillError it threw on purpose.
 */
import type { TaskContext } from '../../api/tasks.js';
import { ChunkmillError, messageOf } from '../../errors.js';

/** Receives ctx.log / ctx.progress: the comlink channel in a worker, the Job in-process. */
export interface ControlChannel {
  log(chunkIndex: number, message: string): void;
  progress(chunkIndex: number, value: unknown): void;
}

export class Context implements TaskContext {
  chunkIndex = -1;
  constructor(
    readonly params: unknown,
    readonly columns: readonly string[],
    readonly threadId: number,
    private readonly channel: ControlChannel | null,
  ) {}

  log(message: string): void {
    this.channel?.log(this.chunkIndex, String(message));
  }

  progress(value: unknown): void {
    this.channel?.progress(this.chunkIndex, value);
  }
}

/**
 * Runs a user function that is not called per row; a throw becomes ERR_TASK_FAILED. A
 * ChunkmillError thrown on purpose (say ERR_UNKNOWN_COLUMN from a check in setup) keeps its code.
 */
export function callUser<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw userFailure(what, e);
  }
}

export async function callUserAsync(what: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    throw userFailure(what, e);
  }
}

function userFailure(what: string, e: unknown): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  return new ChunkmillError({ code: 'ERR_TASK_FAILED', message: `${what} threw: ${messageOf(e)}` }, { cause: e });
}
