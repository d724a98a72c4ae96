/**
 * One job's page: what it does, where it stands (a live bar), its result as a table with
 * downloads, or its error with file, line and column (and a Retry button, for a failed or
 * cancelled job, that opens the new job's page); its warnings and its task's log lines.
 * It follows the job's own event stream from the start (a replay gives the warnings and logs
 * written before the page opened) and reads the record and result again when the job ends.
 */
import { ApiError, type Api } from './api.js';
import { figures, percentDone, whatItDoes } from './describe.js';
import { fill, h, progressBar, setProgress } from './dom.js';
import { EventFeed } from './feed.js';
import * as fmt from './format.js';
import type { Shell } from './jobs-view.js';
import { ResultPages, table } from './result-table.js';
import {
  isFinal,
  type ErrorData,
  type FeedEvent,
  type JobList,
  type JobRecord,
  type Progress,
  type StateChange,
} from './types.js';

export class JobView {
  readonly element: HTMLElement;
  private job: JobRecord | null = null;
  /** The job this one retries: its first event says so (the record has no field for it). */
  private retryOf: string | null = null;
  /** The attempts that failed and were retried (their `state: queued` events). */
  private readonly failures: StateChange[] = [];
  private feed: EventFeed | null = null;
  private readonly head = h('div', { class: 'card' });
  private readonly outcome = h('section', { class: 'card', id: 'outcome' });
  private readonly warnings = h('ul', { class: 'warnings' });
  private readonly logs = h('ol', { class: 'logs' });

  constructor(
    private readonly api: Api,
    private readonly shell: Shell,
    private readonly id: string,
  ) {
    this.element = h(
      'div',
      { class: 'job-view' },
      h('p', {}, h('a', { href: '#/' }, '← all jobs')),
      this.head,
      this.outcome,
      h('section', { class: 'card' }, h('h3', {}, 'Warnings'), this.warnings, h('h3', {}, 'Task log'), this.logs),
    );
  }

  async start(): Promise<void> {
    try {
      await this.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        fill(this.head, h('h2', {}, `No job ${this.id}`), h('p', {}, 'It may have been removed.'));
        return;
      }
      throw e;
    }
    this.feed = new EventFeed(this.api, {
      path: `/api/jobs/${encodeURIComponent(this.id)}/events`,
      after: 0,
      onEvent: (e) => this.onEvent(e),
      onStatus: (s) => this.shell.live(s === 'ended' ? 'live' : s),
    });
  }

  stop(): void {
    this.feed?.close();
  }

  private async reload(): Promise<void> {
    this.job = await this.api.json<JobRecord>('GET', `/api/jobs/${encodeURIComponent(this.id)}`);
    this.renderHead();
    void this.api.json<JobList>('GET', '/api/jobs?limit=1').then((list) => this.shell.counts(list.counts));
    await this.renderOutcome();
  }

  private onEvent(e: FeedEvent): void {
    const job = this.job;
    if (job === null) return;
    if (e.type === 'progress') {
      job.progress = e.data as Progress;
      this.renderHead();
    } else if (e.type === 'warning') {
      const w = e.data as { code: string; message: string; line?: number };
      this.warnings.append(
        h('li', {}, h('code', {}, w.code), ' ', w.message, w.line === undefined ? '' : ` (line ${w.line})`),
      );
    } else if (e.type === 'log') {
      const l = e.data as { chunkIndex: number; message: string };
      this.logs.append(
        h('li', {}, h('span', { class: 'muted' }, l.chunkIndex >= 0 ? `chunk ${l.chunkIndex} ` : 'setup '), l.message),
      );
    } else if (e.type === 'state') {
      const change = e.data as StateChange;
      if (change.retryOf !== undefined) this.retryOf = change.retryOf;
      // A run that failed with a transient fault and waits for its backoff: its attempt is listed.
      if (change.reason === 'attempt failed' && change.error !== undefined) this.failures.push(change);
      job.state = change.state;
      this.renderHead();
      if (isFinal(job.state)) void this.reload();
    }
  }

  private renderHead(): void {
    const job = this.job!;
    const f = figures(job);
    const percent = percentDone(job);
    const label = percent === null ? 'progress not known' : `${Math.round(percent)}%`;
    let bar = this.head.querySelector('.bar');
    if (bar === null) bar = progressBar(percent, label);
    else setProgress(bar, percent, label);
    const p = job.progress;
    const cancellable = job.state === 'queued' || (job.state === 'running' && !job.cancelRequested);
    const retryable = job.state === 'failed' || job.state === 'cancelled';
    fill(
      this.head,
      h(
        'h2',
        {},
        `Job ${job.id}`,
        job.name ? ` · ${job.name}` : '',
        ' ',
        h('span', { class: `badge ${job.state}` }, job.state),
      ),
      this.retryOf === null
        ? null
        : h(
            'p',
            { class: 'muted' },
            'Retry of ',
            h('a', { href: `#/jobs/${encodeURIComponent(this.retryOf)}` }, `job ${this.retryOf}`),
          ),
      h('p', {}, h('code', {}, job.spec.input), ' · ', whatItDoes(job.spec)),
      // The state's class colours the bar as the list does (red for a failed job).
      h('div', { class: `progress wide state-${job.state}` }, bar, h('span', {}, label)),
      h(
        'dl',
        { class: 'facts' },
        ...fact('Rows', f.rows),
        ...fact('Bytes', p ? `${fmt.bytes(p.bytesDone)} of ${fmt.bytes(p.bytesTotal)}` : '–'),
        ...fact('Speed', f.speed),
        ...fact('ETA', f.eta),
        ...fact('Created', fmt.time(job.createdAt)),
        ...fact('Started', fmt.time(job.startedAt)),
        ...fact('Finished', fmt.time(job.finishedAt)),
        ...fact('Attempts', String(job.attempts)),
        ...(Object.keys(job.meta ?? {}).length === 0
          ? []
          : fact(
              'Labels',
              Object.entries(job.meta)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
            )),
      ),
      this.failures.length === 0
        ? null
        : h(
            'ul',
            { class: 'attempts small' },
            ...this.failures.map((f) =>
              h(
                'li',
                {},
                `Attempt ${f.attempt} failed: `,
                h('code', {}, f.error!.code),
                ` ${f.error!.message}; retried at ${fmt.time(f.retryAt ?? null)}`,
              ),
            ),
          ),
      cancellable ? h('button', { class: 'secondary', onclick: () => void this.cancel() }, 'Cancel') : null,
      retryable ? h('button', { id: 'retry', onclick: () => void this.retry() }, 'Retry') : null,
    );
  }

  private async renderOutcome(): Promise<void> {
    const job = this.job!;
    if (job.error !== null)
      return fill(this.outcome, h('h3', {}, job.state === 'cancelled' ? 'Cancelled' : 'Error'), errorBox(job.error));
    if (job.state !== 'succeeded')
      return fill(
        this.outcome,
        h('h3', {}, 'Result'),
        h('p', { class: 'muted' }, 'Not yet: the result comes when the job succeeds.'),
      );
    const downloads = h(
      'p',
      { class: 'downloads' },
      'Download: ',
      ...['csv', 'ndjson', 'json'].map((f) =>
        h('button', { class: 'secondary', onclick: () => void this.download(f) }, f.toUpperCase()),
      ),
    );
    if (job.result?.kind === 'aggregate') {
      // A page at a time: never the whole result (millions of rows) to show a thousand.
      const columns = [...(job.spec.aggregate?.groupBy ?? []), ...Object.keys(job.spec.aggregate?.measures ?? {})];
      const pages = new ResultPages(this.api, job.id, columns);
      await pages.show(0);
      const heading = h('h3', {}, `Result: ${fmt.count(job.result.rowCount)} rows`);
      return fill(this.outcome, heading, downloads, pages.element);
    }
    const response = await this.api.fetch(`/api/jobs/${encodeURIComponent(job.id)}/result?format=json`);
    const result = (await response.json()) as { value?: unknown };
    const value = result.value;
    if (Array.isArray(value) && value.every((r) => r !== null && typeof r === 'object')) {
      const columns = [...new Set(value.flatMap((r) => Object.keys(r as object)))];
      return fill(this.outcome, h('h3', {}, 'Result'), downloads, table(columns, value as Record<string, unknown>[]));
    }
    fill(this.outcome, h('h3', {}, 'Result'), h('pre', { class: 'value' }, JSON.stringify(value ?? result, null, 2)));
  }

  private async download(format: string): Promise<void> {
    const response = await this.api.fetch(`/api/jobs/${encodeURIComponent(this.id)}/result?format=${format}`);
    const url = URL.createObjectURL(await response.blob());
    const a = h('a', { href: url, download: `job-${this.id}.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private async cancel(): Promise<void> {
    await this.api.json('POST', `/api/jobs/${encodeURIComponent(this.id)}/cancel`).catch((e: unknown) => {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    });
    await this.reload();
  }

  /** Queues the job again, as a new job (POST …/retry), and opens that job's page. */
  private async retry(): Promise<void> {
    try {
      const job = await this.api.json<JobRecord>('POST', `/api/jobs/${encodeURIComponent(this.id)}/retry`);
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.head.append(h('p', { class: 'error', role: 'alert' }, e.message)); // removed meanwhile, say
    }
  }
}

function fact(term: string, value: string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function errorBox(e: ErrorData): HTMLElement {
  const where = [
    e.file === undefined ? null : `file ${e.file}`,
    e.line === undefined ? null : `line ${e.line}`,
    e.column === undefined ? null : `column "${e.column}"`,
    e.byteOffset === undefined ? null : `byte ${e.byteOffset}`,
  ].filter((x) => x !== null);
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('p', {}, h('code', {}, e.code), ' ', e.message),
    where.length > 0 ? h('p', { class: 'where' }, where.join(' · ')) : null,
    e.hint ? h('p', { class: 'muted' }, `Hint: ${e.hint}`) : null,
  );
}
