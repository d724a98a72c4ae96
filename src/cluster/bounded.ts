/**
 * A wait with an end: clean-up steps that talk to Redis must not hold a job (or a worker's exit)
 * up when Redis is gone, since a command on a dropped connection waits for its return.
 */

/** Bounds each clean-up step at a job's end, so a dead Redis cannot hold a failed job up. */
export const CLEANUP_MS = 2_000;

/** The promise's value, or undefined once `ms` have passed or if it fails. */
export async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
