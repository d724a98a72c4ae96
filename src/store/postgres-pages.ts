/**
 * The result pages of a run, held back until its finish when they are small: a small aggregate's
 * pages then go into the database in the finish's own statement (postgres-hot-sql.ts), which is
 * one round trip less per job, and the pages and the job's end are one transaction. Nothing is
 * lost by waiting: pages matter only with the finish that makes them the job's result, and a run
 * that never finishes is run again and writes its pages again. The finish keeps only the pages
 * below the result's count, and only if its engine still holds the job, as for pages written at
 * once.
 *
 * Large pages, and any past MAX_HELD bytes in all, are written at once (memory stays bounded).
 */

/** A page held back is at most this big (serialized)... */
const SMALL_PAGE = 64 << 10;
/** ...and all of them together at most this. */
const MAX_HELD = 4 << 20;

export class HeldPages {
  /** By run: owner and job id. */
  private readonly runs = new Map<string, Map<number, Buffer>>();
  private bytes = 0;

  /** Keeps a page for the run's finish; false: too big (or too much held), write it now. */
  hold(owner: string, jobId: string, part: number, page: Buffer): boolean {
    if (page.length > SMALL_PAGE || this.bytes + page.length > MAX_HELD) return false;
    const key = `${owner}\0${jobId}`;
    const parts = this.runs.get(key) ?? new Map<number, Buffer>();
    this.runs.set(key, parts);
    this.bytes += page.length - (parts.get(part)?.length ?? 0);
    parts.set(part, page);
    return true;
  }

  /** The run's pages held back, as [part, page], and forgets them. */
  take(owner: string, jobId: string): [number, Buffer][] {
    const key = `${owner}\0${jobId}`;
    const parts = this.runs.get(key);
    if (parts === undefined) return [];
    this.runs.delete(key);
    for (const page of parts.values()) this.bytes -= page.length;
    return [...parts];
  }
}
