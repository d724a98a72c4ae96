/**
 * A result's rows as a table, and an aggregate's result shown a page at a time: each page is one
 * `GET /result?limit=&offset=` (the server reads only the stored pages it falls in), so a
 * result of millions of rows is never downloaded to be looked at; the downloads have them all.
 */
import type { Api } from './api.js';
import { fill, h, pager } from './dom.js';
import * as fmt from './format.js';

/** Rows per page of the table. */
export const RESULT_PAGE = 1000;

type Row = Record<string, unknown>;

/** An aggregate's rows, RESULT_PAGE at a time, with a pager. */
export class ResultPages {
  readonly element = h('div', { class: 'result-pages' });

  constructor(
    private readonly api: Api,
    private readonly jobId: string,
    private readonly columns: string[],
  ) {}

  async show(offset: number): Promise<void> {
    const path = `/api/jobs/${encodeURIComponent(this.jobId)}/result?format=json&limit=${RESULT_PAGE}&offset=${offset}`;
    const page = (await (await this.api.fetch(path)).json()) as { rows: Row[]; total: number };
    const last = offset + page.rows.length;
    const where =
      page.total === 0 ? 'no rows' : `rows ${fmt.count(offset + 1)}–${fmt.count(last)} of ${fmt.count(page.total)}`;
    fill(
      this.element,
      table(this.columns, page.rows),
      page.total <= RESULT_PAGE
        ? null
        : pager(
            'Result pages',
            where,
            offset > 0 ? () => void this.show(Math.max(0, offset - RESULT_PAGE)) : null,
            last < page.total ? () => void this.show(last) : null,
          ),
    );
  }
}

export function table(columns: string[], rows: Row[]): HTMLElement {
  const shown = rows.slice(0, RESULT_PAGE);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'result', id: 'result' },
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        ...shown.map((r) =>
          h('tr', {}, ...columns.map((c) => h('td', { class: typeof r[c] === 'number' ? 'num' : '' }, cell(r[c])))),
        ),
      ),
    ),
    rows.length > RESULT_PAGE
      ? h(
          'p',
          { class: 'muted' },
          `Showing ${RESULT_PAGE} of ${fmt.count(rows.length)} rows; the download has them all.`,
        )
      : null,
  );
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
