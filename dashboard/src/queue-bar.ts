/**
 * Above the job list: a search (a job's name, its labels as `key=value`, its state), the queue's
 * pause toggle, and the bulk actions (cancel every queued job, remove every failed or cancelled
 * one), each after a confirm(): a click must not empty a store by mistake.
 */
import type { Api } from './api.js';
import { fill, h } from './dom.js';
import { STATES, type JobState } from './types.js';

/** What the list shows: jobs whose name holds `name`, with each label of `meta`, in `state` (null: any). */
export interface JobFilter {
  name: string;
  meta: Record<string, string>;
  state: JobState | null;
}

/** The search box's text as a filter: `key=value` words are labels, the rest is the name. */
export function parseSearch(text: string, state: JobState | null): JobFilter {
  const meta: Record<string, string> = {};
  const words: string[] = [];
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([A-Za-z0-9_-]{1,64})=(.*)$/.exec(word);
    if (m !== null) meta[m[1]!] = m[2]!;
    else words.push(word);
  }
  return { name: words.join(' '), meta, state };
}

/** The filter as GET /api/jobs's query (without limit and cursor). */
export function filterQuery(f: JobFilter): string {
  const parts: string[] = [];
  if (f.state !== null) parts.push(`state=${f.state}`);
  if (f.name !== '') parts.push(`name=${encodeURIComponent(f.name)}`);
  for (const [k, v] of Object.entries(f.meta)) parts.push(`meta.${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return parts.map((p) => `&${p}`).join('');
}

export class QueueBar {
  readonly element: HTMLElement;
  private readonly toggle = h('button', { class: 'secondary', id: 'pause-toggle', type: 'button' }, 'Pause queue');
  private readonly note = h('span', { class: 'small muted', role: 'status', id: 'queue-note' });
  private paused = false;

  constructor(
    private readonly api: Api,
    state: JobState | null,
    /** A new filter was asked for. */
    private readonly search: (filter: JobFilter) => void,
    /** The queue changed (a bulk action, a pause): read the list again. */
    private readonly changed: () => void,
  ) {
    const text = h('input', {
      type: 'search',
      name: 'search',
      placeholder: 'name or key=value',
      'aria-label': 'Search',
    });
    const states = h(
      'select',
      { name: 'state', 'aria-label': 'State' },
      h('option', { value: '' }, 'any state'),
      ...STATES.map((s) => h('option', { value: s, selected: s === state }, s)),
    );
    const form = h(
      'form',
      { class: 'search', role: 'search' },
      text,
      states,
      h('button', { type: 'submit', class: 'secondary' }, 'Search'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.search(parseSearch(text.value, (states.value || null) as JobState | null));
    });
    this.toggle.addEventListener('click', () => void this.flip());
    const bulk = (label: string, action: 'cancel' | 'remove', target: JobState) =>
      h('button', { class: 'secondary bulk', type: 'button', onclick: () => void this.bulk(action, target) }, label);
    this.element = h(
      'div',
      { class: 'queue-bar' },
      form,
      h(
        'div',
        { class: 'queue-actions' },
        this.toggle,
        bulk('Cancel all queued', 'cancel', 'queued'),
        bulk('Remove all failed', 'remove', 'failed'),
        bulk('Remove all cancelled', 'remove', 'cancelled'),
        this.note,
      ),
    );
  }

  /** The queue's pause flag as the last list said. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    fill(this.toggle, paused ? 'Resume queue' : 'Pause queue');
    this.toggle.setAttribute('aria-pressed', String(paused));
    this.element.classList.toggle('paused', paused);
  }

  private async flip(): Promise<void> {
    const paused = !this.paused;
    await this.api.json('POST', `/api/queue/${paused ? 'pause' : 'resume'}`);
    this.setPaused(paused);
    fill(this.note, paused ? 'Queue paused: running jobs finish, no new job starts.' : 'Queue resumed.');
    this.changed();
  }

  private async bulk(action: 'cancel' | 'remove', state: JobState): Promise<void> {
    if (!confirm(`${action === 'cancel' ? 'Cancel' : 'Remove'} every ${state} job?`)) return;
    const out = await this.api.json<{ done: string[] }>('POST', '/api/jobs/bulk', { action, state });
    const n = out.done.length;
    fill(this.note, `${n} ${state} job${n === 1 ? '' : 's'} ${action === 'cancel' ? 'cancelled' : 'removed'}.`);
    this.changed();
  }
}
