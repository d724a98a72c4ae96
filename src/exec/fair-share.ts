/**
 * One executor shared by many jobs, fairly: each job gets a lane (an Executor of its own), and
 * chunks go to the shared executor in round robin over the lanes that have work, one free slot at
 * a time. A huge job therefore delays a small one by at most one chunk per thread, whatever their
 * sizes, and a job's chunks that have not started stay here, where they can be dropped.
 *
 * Invariants:
 * - At most `slots` chunks are in the shared executor at once (its threads): a chunk handed over
 *   starts at once, so nothing waits inside the pool, where a cancel could only stop it by
 *   ending a thread.
 * - A lane runs at most its `threads` chunks at once (the threads its job asked for).
 * - A chunk whose job's signal aborts before it is handed over never runs: it is rejected with
 *   an AbortError. One already running finishes, and its reply is dropped by the scheduler; the
 *   threads stay up for the other jobs.
 */
import { AbortError } from '../errors.js';
import type { ControlChannel } from '../kinds/user/context.js';
import type { ChunkPolicy, Executor, ExecutorProvider } from './executor.js';
import type { ChunkReply, ChunkRequest } from './protocol.js';

interface Pending {
  chunkIndex: number;
  make: () => ChunkRequest;
  policy: ChunkPolicy;
  control: ControlChannel | undefined;
  resolve: (reply: ChunkReply) => void;
  reject: (e: unknown) => void;
  onAbort: () => void;
}

export class FairShare {
  private readonly lanes: Lane[] = [];
  /** Where the round robin looks first next time. */
  private turn = 0;
  private busy = 0;

  constructor(
    private readonly shared: Executor,
    private readonly slots = shared.threads,
  ) {}

  /** An ExecutorProvider whose executors are lanes of this share; release() closes the lane. */
  provider(): ExecutorProvider {
    return {
      acquire: (threads) => this.lane(threads),
      release: async (executor) => (executor as Lane).close(),
    };
  }

  /** Chunks running in the shared executor now (for tests and figures). */
  get running(): number {
    return this.busy;
  }

  lane(threads: number): Lane {
    const lane = new Lane(this, Math.max(1, Math.min(threads, this.shared.threads)));
    this.lanes.push(lane);
    return lane;
  }

  /** @internal */
  drop(lane: Lane): void {
    const i = this.lanes.indexOf(lane);
    if (i >= 0) this.lanes.splice(i, 1);
    if (this.turn > i && i >= 0) this.turn--;
  }

  /** @internal Hands chunks to the shared executor while it has free slots. */
  pump(): void {
    while (this.busy < this.slots) {
      const lane = this.nextLane();
      if (lane === null) return;
      const p = lane.take();
      this.busy++;
      lane.active++;
      p.policy.signal.removeEventListener('abort', p.onAbort);
      this.shared
        .execute(p.chunkIndex, p.make, p.policy, p.control)
        .then(p.resolve, p.reject)
        .finally(() => {
          this.busy--;
          lane.active--;
          this.pump();
        });
    }
  }

  private nextLane(): Lane | null {
    const n = this.lanes.length;
    for (let k = 0; k < n; k++) {
      const i = (this.turn + k) % n;
      const lane = this.lanes[i]!;
      if (lane.ready()) {
        this.turn = (i + 1) % n;
        return lane;
      }
    }
    return null;
  }
}

/** One job's view of the share. */
export class Lane implements Executor {
  /** Chunks of this lane running in the shared executor. */
  active = 0;
  private readonly pending: Pending[] = [];
  private closed = false;

  constructor(
    private readonly share: FairShare,
    readonly threads: number,
  ) {}

  execute(
    chunkIndex: number,
    make: () => ChunkRequest,
    policy: ChunkPolicy,
    control?: ControlChannel,
  ): Promise<ChunkReply> {
    if (this.closed || policy.signal.aborted) return Promise.reject(new AbortError());
    return new Promise<ChunkReply>((resolve, reject) => {
      const p: Pending = { chunkIndex, make, policy, control, resolve, reject, onAbort: () => this.abandon(p) };
      policy.signal.addEventListener('abort', p.onAbort, { once: true });
      this.pending.push(p);
      this.share.pump();
    });
  }

  /** @internal */
  ready(): boolean {
    return this.pending.length > 0 && this.active < this.threads;
  }

  /** @internal */
  take(): Pending {
    return this.pending.shift()!;
  }

  /** The job is done with its lane: chunks still waiting are dropped. */
  close(): void {
    this.closed = true;
    for (const p of this.pending.splice(0)) {
      p.policy.signal.removeEventListener('abort', p.onAbort);
      p.reject(new AbortError());
    }
    this.share.drop(this);
  }

  private abandon(p: Pending): void {
    const i = this.pending.indexOf(p);
    if (i < 0) return;
    this.pending.splice(i, 1);
    p.reject(new AbortError());
  }
}
