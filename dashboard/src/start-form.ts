/**
 * The form that starts a job: a file from the data dir (or one uploaded here), group-by columns
 * offered from that file's header, and measures (count, or sum / mean / min / max of a column).
 * It posts the job spec to POST /api/jobs; the server checks it and says which field is wrong.
 */
import { ApiError, type Api } from './api.js';
import { fill, h } from './dom.js';
import * as fmt from './format.js';
import type { DataFile, JobRecord, Measure } from './types.js';
import { safeUploadName } from './wire.js';

const KINDS = ['count', 'sum', 'mean', 'min', 'max'] as const;

export class StartForm {
  readonly element: HTMLFormElement;
  private files: DataFile[] = [];
  private readonly fileSelect = h('select', { name: 'file', 'aria-label': 'File' });
  private readonly upload = h('input', {
    type: 'file',
    name: 'upload',
    accept: '.csv,.tsv,.txt,.ndjson,.jsonl,.gz',
    'aria-label': 'Upload a file',
  });
  private readonly uploadStatus = h('span', { class: 'muted', role: 'status' });
  private readonly uploadProgress = h('progress', { class: 'upload-progress', max: 1, value: 0, hidden: true });
  private readonly removeButton = h(
    'button',
    { type: 'button', class: 'secondary', id: 'remove-file', onclick: () => void this.removeFile() },
    'Remove file',
  );
  private readonly groupBy = h('div', { class: 'choices', id: 'group-by' });
  private readonly measures = h('div', { class: 'measures', id: 'measures' });
  private readonly nameInput = h('input', { name: 'name', placeholder: 'optional', maxlength: 200 });
  private readonly error = h('p', { class: 'error', role: 'alert' });

  constructor(
    private readonly api: Api,
    private readonly started: (job: JobRecord) => void,
  ) {
    this.fileSelect.addEventListener('change', () => this.showColumns());
    this.upload.addEventListener('change', () => void this.sendUpload());
    this.element = h(
      'form',
      { class: 'start-form card', id: 'start-form', onsubmit: (e: Event) => void this.submit(e) },
      h('h2', {}, 'Start a job'),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'File ', this.fileSelect),
        this.removeButton,
        h('label', { class: 'upload' }, 'or upload ', this.upload),
        this.uploadProgress,
        this.uploadStatus,
      ),
      h('fieldset', {}, h('legend', {}, 'Group by'), this.groupBy),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Measures'),
        this.measures,
        h('button', { type: 'button', class: 'secondary', onclick: () => this.addMeasure('sum') }, '+ measure'),
      ),
      h('div', { class: 'row' }, h('label', {}, 'Name ', this.nameInput), h('button', { type: 'submit' }, 'Start job')),
      this.error,
    );
    this.addMeasure('count');
  }

  /** Reads the data dir's files; `select` picks one (after an upload). */
  async refresh(select?: string): Promise<void> {
    const { files } = await this.api.json<{ files: DataFile[] }>('GET', '/api/files');
    this.files = files;
    const current = select ?? this.fileSelect.value;
    fill(
      this.fileSelect,
      ...(files.length === 0 ? [h('option', { value: '' }, 'no data files yet: upload one')] : []),
      ...files.map((f) =>
        h('option', { value: f.name, selected: f.name === current }, `${f.name} (${fmt.bytes(f.bytes)})`),
      ),
    );
    this.removeButton.disabled = files.length === 0;
    this.showColumns();
  }

  /** DELETE /api/files/<name> of the chosen file, once the user confirms; then the list again. */
  private async removeFile(): Promise<void> {
    const name = this.fileSelect.value;
    if (name === '' || !confirm(`Remove ${name} from the server's data dir?`)) return;
    this.error.textContent = '';
    try {
      await this.api.fetch(`/api/files/${name.split('/').map(encodeURIComponent).join('/')}`, { method: 'DELETE' });
      this.uploadStatus.textContent = `removed ${name}`;
      await this.refresh();
    } catch (e) {
      this.error.textContent = e instanceof Error ? e.message : String(e);
    }
  }

  private get file(): DataFile | undefined {
    return this.files.find((f) => f.name === this.fileSelect.value);
  }

  private showColumns(): void {
    const file = this.file;
    const columns = file?.columns ?? [];
    fill(
      this.groupBy,
      ...(file?.error ? [h('span', { class: 'error' }, `Cannot read the header: ${file.error.message}`)] : []),
      ...(columns.length === 0 && !file?.error ? [h('span', { class: 'muted' }, 'no columns')] : []),
      ...columns.map((c) =>
        h('label', { class: 'choice' }, h('input', { type: 'checkbox', value: c, name: 'groupBy' }), c),
      ),
    );
    for (const select of this.measures.querySelectorAll<HTMLSelectElement>('select.column')) this.columnOptions(select);
  }

  private addMeasure(kind: (typeof KINDS)[number]): void {
    const kindSelect = h(
      'select',
      { class: 'kind', 'aria-label': 'Measure' },
      ...KINDS.map((k) => h('option', { value: k, selected: k === kind }, k)),
    );
    const column = h('select', { class: 'column', 'aria-label': 'Column' });
    const row = h(
      'div',
      { class: 'measure' },
      kindSelect,
      column,
      h('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove', onclick: () => row.remove() }, '×'),
    );
    const sync = () => {
      column.hidden = kindSelect.value === 'count';
    };
    kindSelect.addEventListener('change', sync);
    this.columnOptions(column);
    sync();
    this.measures.append(row);
  }

  private columnOptions(select: HTMLSelectElement): void {
    const current = select.value;
    fill(select, ...(this.file?.columns ?? []).map((c) => h('option', { value: c, selected: c === current }, c)));
  }

  private async sendUpload(): Promise<void> {
    const file = this.upload.files?.[0];
    if (file === undefined) return;
    this.uploadStatus.textContent = `uploading ${file.name}…`;
    try {
      const name = safeUploadName(file.name) || 'upload.csv';
      // As a form, as any page would send it: the browser's own multipart (the server streams the part).
      const form = new FormData();
      form.append('file', file, name);
      this.uploadProgress.hidden = false;
      this.uploadProgress.value = 0;
      const response = await this.api.upload(`/api/uploads?name=${encodeURIComponent(name)}`, form, (sent, total) => {
        this.uploadProgress.value = total > 0 ? sent / total : 0;
        this.uploadStatus.textContent = `uploading ${file.name}: ${fmt.bytes(sent)} of ${fmt.bytes(total)}`;
      });
      const uploaded = (await response.json()) as { name: string; bytes: number };
      // The file list first: "uploaded" means the form offers the file and its columns.
      await this.refresh(uploaded.name);
      this.uploadStatus.textContent = `uploaded ${uploaded.name} (${fmt.bytes(uploaded.bytes)})`;
    } catch (e) {
      this.uploadStatus.textContent = '';
      this.error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      this.upload.value = '';
      this.uploadProgress.hidden = true;
    }
  }

  private spec(): { spec: unknown; name?: string } {
    const groupBy = [...this.groupBy.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    const measures: Record<string, Measure> = {};
    for (const row of this.measures.querySelectorAll('.measure')) {
      const kind = row.querySelector<HTMLSelectElement>('select.kind')!.value;
      const column = row.querySelector<HTMLSelectElement>('select.column')!.value;
      if (kind === 'count') measures.count = { kind };
      else measures[`${kind}_${column}`] = { kind, column };
    }
    const name = this.nameInput.value.trim();
    return { spec: { input: this.fileSelect.value, aggregate: { groupBy, measures } }, ...(name ? { name } : {}) };
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    this.error.textContent = '';
    try {
      const job = await this.api.json<JobRecord>('POST', '/api/jobs', this.spec());
      this.started(job);
    } catch (err) {
      const where = err instanceof ApiError && err.data.field ? ` [${err.data.field}]` : '';
      this.error.textContent = `${err instanceof Error ? err.message : String(err)}${where}`;
    }
  }
}
