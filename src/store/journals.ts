/**
 * Where the engine keeps each job's checkpoint journal: a folder next to the store
 * (`jobs.db` -> `jobs.db.journals/<id>.journal`), so whoever opens the store (another engine
 * after a crash, a queue removing a job) finds it without being told.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function journalDir(storeLocation: string): string {
  return `${storeLocation}.journals`;
}

export function journalPath(storeLocation: string, jobId: string): string {
  return join(journalDir(storeLocation), `${jobId}.journal`);
}

export function removeJournal(storeLocation: string, jobId: string): void {
  rmSync(journalPath(storeLocation, jobId), { force: true });
}

/** The job ids that have a journal. */
export function journaledJobs(storeLocation: string): string[] {
  try {
    return readdirSync(journalDir(storeLocation))
      .filter((f) => f.endsWith('.journal'))
      .map((f) => f.slice(0, -'.journal'.length));
  } catch {
    return [];
  }
}
