/**
 * The progress bar on stderr (cli-progress): bytes, percentage, rows, MB/s and ETA for files;
 * bytes, rows and MB/s for stdin, whose size is unknown. stdout never sees any of it.
 */
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';

/** The engine's progress event; bytesTotal is null for stream inputs. */
export interface ProgressLike {
  bytesDone: number;
  bytesTotal: number | null;
  rowsDone: number;
  elapsedMs: number;
  bytesPerSec: number;
  etaMs: number | null;
}

/**
 * On when asked (--progress, CHUNKMILL_PROGRESS=1), off when asked (--quiet, --no-progress,
 * CHUNKMILL_PROGRESS=0), otherwise only when stderr is a terminal: a bar in a log file or a
 * pipe is noise.
 */
export function wantProgress(
  flag: boolean | undefined,
  quiet: boolean | undefined,
  env = process.env,
  stderrIsTTY = process.stderr.isTTY === true,
): boolean {
  if (quiet || flag === false) return false;
  if (flag === true) return true;
  const v = env.CHUNKMILL_PROGRESS?.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return true;
  if (v === '0' || v === 'false' || v === 'no') return false;
  return stderrIsTTY;
}

const MB = 1e6;

/** Decimal units (MB = 10^6 bytes, as the rate's MB/s); a unit is picked so 999,990 bytes reads 1.0 MB, not 1000.0 kB. */
export function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 999.95e3) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 999.95e6) return `${(n / MB).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The bar's width when the terminal's is unknown (a log file); on a terminal it fills what the text leaves. */
const BAR_WIDTH = 20;
const MAX_BAR_WIDTH = 30;
/** The length of ' 42% | 120.5 MB / 286.1 MB | 1,234,567 rows | 305.2 MB/s | ETA 0:03'. */
const TYPICAL_TEXT = 66;

/**
 * One line of progress; without a total (stdin) no bar, percentage or ETA. `columns` is the
 * terminal's width: the bar shrinks (or goes) so the line does not wrap, since a wrapped line
 * cannot be redrawn in place (cli-progress cuts what is still too long).
 */
export function progressLine(p: ProgressLike, columns?: number): string {
  const rows = `${p.rowsDone.toLocaleString('en-US')} rows`;
  const speed = `${(p.bytesPerSec / MB).toFixed(1)} MB/s`;
  if (p.bytesTotal === null) return `${formatBytes(p.bytesDone)} | ${rows} | ${speed}`;
  const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 1;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const eta = p.etaMs === null ? '--:--' : formatDuration(p.etaMs);
  const text = `${pct} | ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)} | ${rows} | ${speed} | ETA ${eta}`;
  // Sized for a typical text, not this frame's, so the bar does not jump as the figures grow.
  const width = columns === undefined ? BAR_WIDTH : Math.min(MAX_BAR_WIDTH, columns - TYPICAL_TEXT - 2);
  if (width < 5) return text;
  const filled = Math.round(fraction * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled) + ' ' + text;
}

/**
 * A bar that is drawn from the engine's own figures (its rate and ETA are averages over the whole
 * job, steadier than cli-progress's over the last few updates).
 */
export class ProgressDisplay {
  private readonly bar: SingleBar;
  private last: ProgressLike = {
    bytesDone: 0,
    bytesTotal: null,
    rowsDone: 0,
    elapsedMs: 0,
    bytesPerSec: 0,
    etaMs: null,
  };
  private active = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    // cli-progress is loaded by a bar that is shown (a terminal's stderr), not by every command.
    const { SingleBar: Bar } = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
    this.bar = new Bar({
      stream,
      // A pseudo-terminal may report 0 columns; 80 is what terminals start with.
      format: () => progressLine(this.last, stream.isTTY ? stream.columns || 80 : undefined),
      // Forced on a non-terminal (--progress into a log): one line a second, not a redraw per update.
      noTTYOutput: true,
      notTTYSchedule: 1000,
      fps: 10,
      hideCursor: false,
      clearOnComplete: true,
      linewrap: true,
    });
  }

  start(bytesTotal: number | null): void {
    this.last = { ...this.last, bytesTotal };
    this.bar.start(bytesTotal ?? 1, 0);
    this.active = true;
  }

  update(p: ProgressLike): void {
    if (!this.active) this.start(p.bytesTotal);
    this.last = p;
    this.bar.update(p.bytesTotal === null ? 0 : p.bytesDone);
  }

  /** Prints a line (a task's log, a warning) above the bar without breaking it. */
  log(line: string): void {
    if (this.active && this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.stream.write(line + '\n');
    if (this.active) this.bar.render();
  }

  /** Removes the bar; on success leaves a one-line summary in its place. */
  stop(summary?: string): void {
    if (this.active) this.bar.stop();
    this.active = false;
    if (summary !== undefined) this.stream.write(summary + '\n');
  }
}

export function summaryLine(rows: number, bytes: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? ((bytes / elapsedMs) * 1000) / MB : 0;
  return `chunkmill: ${rows.toLocaleString('en-US')} rows, ${formatBytes(bytes)} in ${(elapsedMs / 1000).toFixed(2)} s (${rate.toFixed(1)} MB/s)`;
}
