/**
 * Same-process wake-ups: a queue that adds a job tells the engines of this process on the same
 * store at once, instead of letting them find it at their next poll. Engines in other processes
 * still find it by polling (SQLite has no notifications across processes).
 */
import { EventEmitter } from 'node:events';

const wakes = new EventEmitter();
// One listener per engine per store; a process may run many.
wakes.setMaxListeners(0);

export function notifyAdded(location: string): void {
  wakes.emit(location);
}

/** Calls `wake` on each add to `location` in this process; returns the unsubscribe. */
export function onAdded(location: string, wake: () => void): () => void {
  wakes.on(location, wake);
  return () => wakes.off(location, wake);
}
