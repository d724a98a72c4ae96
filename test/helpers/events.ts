/** Recording every event a Job emits, in order. */
import type { Job, JobEvents } from 'chunkmill';

export type EventName = keyof JobEvents<unknown>;
export const EVENT_NAMES: EventName[] = ['start', 'progress', 'chunk', 'warning', 'done', 'error'];

export interface Recorded {
  name: EventName;
  payload: unknown;
}

/** Attaches a listener for every event; the returned list fills as the job runs. */
export function record<R>(job: Job<R>): Recorded[] {
  const events: Recorded[] = [];
  for (const name of EVENT_NAMES) {
    (job as unknown as Job<unknown>).on(name, (payload: unknown) => events.push({ name, payload }));
  }
  return events;
}

export function payloads<T>(events: Recorded[], name: EventName): T[] {
  return events.filter((e) => e.name === name).map((e) => e.payload as T);
}

/** Lets pending timers, immediates and microtasks run, so late events would show up. */
export function settle(ms = 100): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
