/**
 * A dataset that cannot be read by range (gzip parts, NDJSON files, an HTTP server without Range
 * support) as one chunk source: each source is a StreamSource of its own, read one after another
 * in dataset order, its header checked against the first's and not repeated. Chunk indexes run
 * on over the whole dataset; each source's first chunk says which file it starts and how many
 * lines its header took, so errors name the file and the line within it (stream-scheduler.ts).
 *
 * The next source is opened while the current one is read (its first bytes, and for gzip its
 * inflate on libuv's thread pool, are under way when they are needed).
 *
 * Two gzip parts or more run one whole file per worker instead
 * (schedule/whole-file-scheduler.ts, worker/parse-file.ts), for aggregates and tasks; this source
 * remains the path of transforms, whose output must come back chunk by chunk.
 */
import { checkSameColumns, type DatasetSource } from './dataset-source.js';
import type { ChunkSource, SourceChunk, SourceHead } from './chunk-source.js';
import { StreamSource, type StreamSourceOptions } from './stream-source.js';

export class DatasetStreamSource implements ChunkSource {
  readonly format: 'csv' | 'ndjson';
  private current: StreamSource | null = null;
  private next_: Promise<StreamSource> | null = null;
  private at = 0;
  private index = 0;
  private bytesBefore = 0;
  private columns: string[] = [];
  private firstFile: { name: string; lines: number } | null = null;

  constructor(
    private readonly sources: readonly DatasetSource[],
    private readonly opts: StreamSourceOptions,
    private readonly open: (source: DatasetSource) => Promise<AsyncIterable<Uint8Array>>,
  ) {
    this.format = opts.format;
  }

  get bytesRead(): number {
    return this.bytesBefore + (this.current?.bytesRead ?? 0);
  }

  async head(): Promise<SourceHead> {
    this.current = await this.openAt(0);
    this.prefetch();
    const head = await this.current.head();
    this.columns = head.columns;
    this.firstFile = { name: this.sources[0]!.name, lines: head.lines };
    return { ...head, firstChunk: head.firstChunk === null ? null : this.renumber(head.firstChunk, null) };
  }

  async next(): Promise<SourceChunk | null> {
    for (;;) {
      if (this.current === null) return null;
      const chunk = await this.current.next();
      if (chunk !== null) return this.renumber(chunk, null);
      // This source is done: on to the next, whose header must be the first's.
      this.bytesBefore += this.current.bytesRead;
      this.current.close();
      this.current = null;
      if (this.next_ === null) return null;
      const source = await this.next_;
      this.current = source;
      this.at++;
      this.prefetch();
      const head = await source.head();
      const { name } = this.sources[this.at]!;
      checkSameColumns(this.sources[0]!.name, this.columns, name, head.columns);
      const file = { name, lines: head.lines };
      if (head.firstChunk !== null) return this.renumber(head.firstChunk, file);
      const first = await source.next();
      if (first !== null) return this.renumber(first, file);
      // A source with a header and no data: nothing to send; the loop goes on to the next.
    }
  }

  close(): void {
    this.current?.close();
    this.next_?.then(
      (s) => s.close(),
      () => {},
    );
  }

  private renumber(chunk: SourceChunk, next: { name: string; lines: number } | null): SourceChunk {
    // The very first chunk names the first file too: messages name files, not the pattern.
    const file = this.index === 0 ? this.firstFile : next;
    return { ...chunk, chunk: { ...chunk.chunk, index: this.index++, ...(file !== null && { file }) } };
  }

  private prefetch(): void {
    const k = this.at + 1;
    this.next_ = k < this.sources.length ? this.openAt(k) : null;
    this.next_?.catch(() => {}); // its failure is thrown when it is awaited, in order
  }

  private async openAt(k: number): Promise<StreamSource> {
    const source = this.sources[k]!;
    return new StreamSource(await this.open(source), { ...this.opts, path: source.name });
  }
}
