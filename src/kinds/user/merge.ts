/**
 * The coordinator's side of user modules: combining task accumulators in chunk order, and
 * writing transform output in chunk order (which is input order).
 */
import { ChunkmillError } from '../../errors.js';
import { csvLine, type OutputFormat } from '../output/encoder.js';
import { tsvLine } from '../output/csv-line.js';
import type { OutputWriter } from '../output/writer.js';
import { callUser, type Context } from './context.js';
import type { AnyTask } from './load.js';
import type { UserPartial } from './sinks.js';

/** Counters every merger keeps for the job's stats. */
abstract class Counted {
  rowsUsed = 0;
  rowsRejected = 0;
  valuesSkipped = 0;

  protected count(p: UserPartial): void {
    this.rowsUsed += p.rowsUsed;
    this.rowsRejected += p.rowsRejected;
    this.valuesSkipped += p.valuesSkipped;
  }
}

export class TaskMerger extends Counted {
  private acc: unknown;
  private empty = true;

  constructor(
    private readonly def: AnyTask,
    private readonly ctx: Context,
  ) {
    super();
  }

  /** Must be called in chunk order: combine(earlier, later). */
  add(p: UserPartial): void {
    this.count(p);
    if (this.empty) {
      this.acc = p.acc;
      this.empty = false;
      return;
    }
    const next = callUser('combine()', () => this.def.combine(this.acc, p.acc));
    if (next !== undefined) this.acc = next;
  }

  /** The finalized result; an input without rows gives finalize(init()). */
  value(): unknown {
    const acc = this.empty ? callUser('init()', () => this.def.init(this.ctx)) : this.acc;
    const { finalize } = this.def;
    if (finalize === undefined) return acc;
    return callUser('finalize()', () =>
      finalize.call(this.def, acc, { params: this.ctx.params, columns: this.ctx.columns }),
    );
  }
}

export class OutputMerger extends Counted {
  rowsOut = 0;
  private wroteRows = false;
  /** The CSV header once written (declared, or the first output row's keys). */
  private header: string[] | null = null;

  constructor(
    readonly writer: OutputWriter,
    private readonly format: OutputFormat,
    declared: readonly string[] | undefined,
  ) {
    super();
    if ((format === 'csv' || format === 'tsv') && declared !== undefined) this.writeHeader([...declared]);
  }

  /** Must be called in chunk order. */
  add(p: UserPartial, chunkIndex: number): void {
    this.count(p);
    if (p.rowsOut === 0) return;
    const bytes = p.output!;
    if ((this.format === 'csv' || this.format === 'tsv') && p.keys) {
      if (this.header === null) this.writeHeader(p.keys);
      else if (p.keys.join('\0') !== this.header.join('\0')) {
        throw new ChunkmillError({
          code: 'ERR_TRANSFORM_OUTPUT',
          chunkIndex,
          message: `Output rows have the keys ${JSON.stringify(p.keys)} in chunk ${chunkIndex}, but ${JSON.stringify(this.header)} before`,
          hint: 'declare the CSV header with columns in defineTransform, or output.columns',
        });
      }
    }
    if (this.format === 'json' && !this.wroteRows) {
      this.writer.write('[');
      this.writer.write(bytes.subarray(1)); // the first item's separator is ",\n": keep the "\n"
    } else {
      this.writer.write(bytes, true);
    }
    this.wroteRows = true;
    this.rowsOut += p.rowsOut;
  }

  /** Completes the document: JSON's closing bracket (and the opening one if there were no rows). */
  end(): void {
    if (this.format === 'json') this.writer.write(this.wroteRows ? '\n]\n' : '[\n]\n');
  }

  private writeHeader(columns: string[]): void {
    this.header = columns;
    this.writer.write(this.format === 'tsv' ? tsvLine(columns) : csvLine(columns, true));
  }
}
