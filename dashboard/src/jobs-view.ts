/**
 * The front page: the start form, the queue bar (search, pause, bulk actions: queue-bar.ts), then
 * the jobs (newest first) with their state and labels, a live progress bar, rows, MB/s and ETA,
 * and a cancel button while a job can be cancelled, a remove button once it has ended.
 *
 * It reads a page of jobs once, then follows the all-jobs feed from the page's lastEventId, so
 * nothing written after the read is missed: a `progress` event moves a bar in place, a `state`
 * event changes the badge at once and asks for a fresh page (counts, new jobs) soon after.
 * Older jobs are a page further each: the API's cursor (`next`) leads there, and the cursors of
 * the newer pages are kept to come back; a fresh read reads the page being shown.
 */
import { ApiError, type Api } from './api.js';
import { whatItDoes, figures, percentDone } from './describe.js';
import { fill, h, pager, progressBar, setProgress } from './dom.js';
import { EventFeed, type FeedStatus } from './feed.js';
import * as fmt from './format.js';
import { filterQuery, type JobFilter, QueueBar } from './queue-bar.js';
import { StartForm } from './start-form.js';
import type { FeedEvent, JobList, JobRecord, JobState, Progress } from './types.js';

const PAGE = 50;
/** A burst of state changes (jobs starting and ending together) gives one fresh read. */
const REFRESH_MS = 300;

export interface Shell {
  counts(counts: Record<JobState, number>): void;
  live(status: FeedStatus): void;
}

export class JobsView {
  readonly element: HTMLElement;
  private readonly body = h('tbody', {});
  private readonly more = h('p', { class: 'muted' });
  private readonly pages = h('div', {});
  /** The cursor of the page shown (null: the newest), and those of the newer pages before it. */
  private cursor: string | null = null;
  private readonly newer: (string | null)[] = [];
  private readonly rows = new Map<string, { job: JobRecord; tr: HTMLTableRowElement }>();
  private feed: EventFeed | null = null;
  private refreshTimer: number | null = null;
  private readonly form: StartForm;
  private readonly bar: QueueBar;
  private filter: JobFilter;

  constructor(
    private readonly api: Api,
    private readonly shell: Shell,
    state: JobState | null,
  ) {
    this.form = new StartForm(api, () => this.scheduleRefresh(0));
    this.filter = { name: '', meta: {}, state };
    this.bar = new QueueBar(
      api,
      state,
      (filter) => {
        this.filter = filter;
        this.newer.length = 0; // a new search starts at its newest page
        this.turn(null);
      },
      () => this.scheduleRefresh(0),
    );
    const title = state === null ? 'Jobs' : `Jobs: ${state}`;
    this.element = h(
      'div',
      { class: 'jobs-view' },
      this.form.element,
      h(
        'section',
        { class: 'card' },
        h('h2', {}, title, state === null ? null : h('a', { href: '#/', class: 'small' }, ' (all)')),
        this.bar.element,
        h(
          'table',
          { class: 'jobs', id: 'jobs' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['#', 'Job', 'State', 'Progress', 'Rows', 'Speed', 'ETA', '', ''].map((t) => h('th', {}, t)),
            ),
          ),
          this.body,
        ),
        this.more,
        this.pages,
      ),
    );
  }

  async start(): Promise<void> {
    const [list] = await Promise.all([this.load(), this.form.refresh()]);
    this.feed = new EventFeed(this.api, {
      path: '/api/events?types=state,progress',
      after: list.lastEventId,
      onEvent: (e) => this.onEvent(e),
      onStatus: (s) => this.shell.live(s),
    });
  }

  stop(): void {
    this.feed?.close();
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
  }

  private async load(): Promise<JobList> {
    const cursor = this.cursor === null ? '' : `&cursor=${encodeURIComponent(this.cursor)}`;
    const query = `limit=${PAGE}${filterQuery(this.filter)}${cursor}`;
    const list = await this.api.json<JobList>('GET', `/api/jobs?${query}`);
    this.shell.counts(list.counts);
    this.bar.setPaused(list.paused);
    const seen = new Set<string>();
    for (const job of list.jobs) {
      seen.add(job.id);
      this.put(job);
    }
    for (const [id, { tr }] of this.rows)
      if (!seen.has(id)) {
        tr.remove();
        this.rows.delete(id);
      }
    // Newest first, as listed.
    for (const job of list.jobs) this.body.append(this.rows.get(job.id)!.tr);
    const filtered = this.filter.name !== '' || Object.keys(this.filter.meta).length > 0 || this.filter.state !== null;
    if (list.jobs.length === 0)
      fill(
        this.more,
        this.newer.length > 0
          ? 'No older jobs on this page.'
          : filtered
            ? 'No job matches.'
            : 'No jobs yet: start one above.',
      );
    else fill(this.more);
    this.renderPages(list.next);
    return list;
  }

  /** Newer and older pages of jobs (none while everything fits on the first). */
  private renderPages(next: string | null): void {
    if (this.newer.length === 0 && next === null) {
      fill(this.pages);
      return;
    }
    const back = () => this.turn(this.newer.pop() ?? null);
    const on = () => {
      this.newer.push(this.cursor);
      this.turn(next);
    };
    const where = `page ${this.newer.length + 1}, ${PAGE} jobs a page, newest first`;
    fill(this.pages, pager('Job pages', where, this.newer.length > 0 ? back : null, next === null ? null : on));
  }

  private turn(cursor: string | null): void {
    this.cursor = cursor;
    void this.load().catch(() => this.scheduleRefresh(2_000));
  }

  private onEvent(e: FeedEvent): void {
    const row = this.rows.get(e.jobId);
    if (e.type === 'progress' && row !== undefined) {
      row.job.progress = e.data as Progress;
      this.render(row.job, row.tr);
    } else if (e.type === 'state') {
      if (row !== undefined) {
        row.job.state = (e.data as { state: JobState }).state;
        this.render(row.job, row.tr);
      }
      this.scheduleRefresh(REFRESH_MS);
    }
  }

  private scheduleRefresh(ms: number): void {
    if (this.refreshTimer !== null) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = null;
      void this.load().catch(() => this.scheduleRefresh(2_000));
    }, ms);
  }

  private put(job: JobRecord): void {
    const row = this.rows.get(job.id);
    if (row !== undefined) {
      row.job = job;
      this.render(job, row.tr);
      return;
    }
    const tr = h('tr', { 'data-job': job.id });
    this.rows.set(job.id, { job, tr });
    this.render(job, tr);
  }

  private render(job: JobRecord, tr: HTMLTableRowElement): void {
    const f = figures(job);
    const percent = percentDone(job);
    const label = percent === null ? 'progress not known' : `${Math.round(percent)}%`;
    let bar = tr.querySelector('.bar');
    if (bar === null) bar = progressBar(percent, label);
    else setProgress(bar, percent, label);
    tr.className = `state-${job.state}`;
    const cancellable = job.state === 'queued' || (job.state === 'running' && !job.cancelRequested);
    fill(
      tr,
      h('td', {}, h('a', { href: `#/jobs/${job.id}` }, job.id)),
      h(
        'td',
        { class: 'what' },
        h('a', { href: `#/jobs/${job.id}` }, job.name ?? job.spec.input),
        h('div', { class: 'muted small' }, `${job.spec.input} · ${whatItDoes(job.spec)}`),
        ...Object.entries(job.meta ?? {}).map(([k, v]) => h('span', { class: 'label small' }, `${k}=${v}`)),
      ),
      h(
        'td',
        {},
        h(
          'span',
          { class: `badge ${job.state}` },
          job.cancelRequested && job.state === 'running' ? 'cancelling' : job.state,
        ),
      ),
      h(
        'td',
        { class: 'progress' },
        bar,
        h('span', { class: 'small muted' }, percent === null ? '' : `${Math.round(percent)}%`),
      ),
      h('td', { class: 'num' }, f.rows),
      h('td', { class: 'num' }, f.speed),
      h('td', { class: 'num' }, f.eta),
      h(
        'td',
        { class: 'actions' },
        cancellable
          ? h('button', { class: 'secondary cancel', onclick: () => void this.cancel(job) }, 'Cancel')
          : job.state === 'running'
            ? null
            : h('button', { class: 'secondary remove', onclick: () => void this.remove(job) }, 'Remove'),
      ),
      h('td', { class: 'small' }, fmt.time(job.finishedAt ?? job.createdAt)),
    );
  }

  private async remove(job: JobRecord): Promise<void> {
    try {
      await this.api.json('DELETE', `/api/jobs/${job.id}`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    this.scheduleRefresh(0);
  }

  private async cancel(job: JobRecord): Promise<void> {
    try {
      await this.api.json('POST', `/api/jobs/${job.id}/cancel`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    }
    this.scheduleRefresh(0);
  }
}
