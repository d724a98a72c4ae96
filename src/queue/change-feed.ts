/**
 * One poll of the store for all of a queue's watchers: while anyone waits, the store is asked
 * every `interval` ms whether anything was written (SQLite's data_version: a read of a header
 * field), and every waiter is woken when something was. Fifty watchers cost one poll, not fifty.
 * A store that is told of writes (PostgreSQL's LISTEN/NOTIFY: JobStore.onChange) also wakes the
 * feed at once, so a watcher follows writes made on another host without waiting for the poll.
 */
import type { JobStore } from '../store/job-store.js';

export class ChangeFeed {
  private waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly interval: number,
  ) {}

  /**
   * A wait that resolves after the next change seen (or when `signal` aborts, or on release());
   * it rejects if the store fails. Release a wait that is no longer awaited: while any wait is
   * pending the feed keeps polling (and the process alive).
   */
  next(signal?: AbortSignal): { changed: Promise<void>; release: () => void } {
    let release = () => {};
    const changed = new Promise<void>((resolve, reject) => {
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        if (this.failure !== null) reject(this.failure);
        else resolve();
      };
      release = done;
      if (signal?.aborted) return resolve();
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
      this.start();
    });
    changed.catch(() => {}); // a released wait's failure is nobody's
    return { changed, release };
  }

  private start(): void {
    if (this.timer !== null) return;
    // Kept referenced: a script awaiting a watch must not exit while it waits.
    this.timer = setInterval(() => void this.poll(), this.interval);
    this.unsubscribe = this.store.onChange?.(() => void this.poll()) ?? null;
  }

  private async poll(): Promise<void> {
    if (this.waiters.size === 0) {
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
      this.unsubscribe?.();
      this.unsubscribe = null;
      return;
    }
    try {
      if (!(await this.store.changed())) return;
    } catch (e) {
      this.failure = e;
    }
    const woken = [...this.waiters];
    for (const wake of woken) wake();
    this.failure = null;
  }
}
