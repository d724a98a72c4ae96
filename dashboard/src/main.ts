/**
 * The dashboard's entry: the header (counts per state, a live indicator), the token prompt, and
 * a hash router: `#/` all jobs, `#/state/<state>` one state, `#/jobs/<id>` one job.
 */
import { Api } from './api.js';
import { byId, fill, h } from './dom.js';
import type { FeedStatus } from './feed.js';
import { JobView } from './job-view.js';
import { JobsView, type Shell } from './jobs-view.js';
import { STATES, type JobState } from './types.js';

interface View {
  element: HTMLElement;
  start(): Promise<void>;
  stop(): void;
}

function askToken(reason: string): Promise<string> {
  const dialog = byId<HTMLDialogElement>('token-dialog');
  const input = byId<HTMLInputElement>('token-input');
  byId('token-error').textContent = reason;
  input.value = '';
  return new Promise((resolve) => {
    const form = byId<HTMLFormElement>('token-form');
    const submit = (e: Event) => {
      e.preventDefault();
      const token = input.value.trim();
      if (token === '') return;
      form.removeEventListener('submit', submit);
      dialog.close();
      resolve(token);
    };
    form.addEventListener('submit', submit);
    // Escape would close the dialog with no token, and every call would wait forever.
    dialog.addEventListener('cancel', (e) => e.preventDefault());
    dialog.showModal();
    input.focus();
  });
}

const shell: Shell = {
  counts(counts: Record<JobState, number>) {
    fill(
      byId('counts'),
      ...STATES.map((s) =>
        h(
          'a',
          { class: `count ${s}`, href: `#/state/${s}`, 'data-state': s },
          h('b', {}, String(counts[s] ?? 0)),
          ` ${s}`,
        ),
      ),
    );
  },
  live(status: FeedStatus) {
    const el = byId('live');
    el.textContent = status === 'live' ? '● live' : status === 'ended' ? 'ended' : 'reconnecting…';
    el.className = `live ${status}`;
  },
};

const api = new Api(askToken);
let current: View | null = null;

function route(): void {
  current?.stop();
  const hash = location.hash.replace(/^#/, '') || '/';
  const job = /^\/jobs\/([^/]+)$/.exec(hash);
  const state = /^\/state\/([a-z]+)$/.exec(hash)?.[1] as JobState | undefined;
  current = job
    ? new JobView(api, shell, decodeURIComponent(job[1]!))
    : new JobsView(api, shell, state !== undefined && STATES.includes(state) ? state : null);
  fill(byId('app'), current.element);
  const view = current;
  view.start().catch((e: unknown) => {
    if (view !== current) return;
    byId('app').prepend(
      h(
        'p',
        { class: 'error card', role: 'alert' },
        `The server did not answer: ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
  });
}

window.addEventListener('hashchange', route);
route();
