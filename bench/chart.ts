/**
 * The results chart as a hand-written SVG (no chart library: two line panels need ~150 lines).
 *
 *   left:  throughput (MB/s, median) of the engine vs worker threads, per dataset, with the serial
 *          path and the single-threaded peers as horizontal reference lines;
 *   right: speed-up over 1 worker, with the ideal (speed-up = workers) dashed;
 *   below: chunkmill's wall time over DuckDB's per head-to-head job (versus.ts) and on a warm
 *   engine (warm.ts), 1 = DuckDB.
 */
import type { Report, Row } from './report.ts';
import { describeMachine, formatNumber } from './util.ts';

const W = 1050;
const H0 = 490;
/** Height of one bar of the DuckDB panel, and the panel's top and bottom margins. */
const BAR = 24;
const VERSUS_MARGIN = 56;
const PANEL = { w: 380, h: 280, top: 78 };
const LEFT_X = 70;
/** Room between the panels for the reference-line labels of the left one. */
const RIGHT_X = 650;
const COLORS: Record<string, string> = { sales: '#1f5fa8', wide: '#c0392b' };
const PEER_COLOR = '#7f7f7f';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) at or above v: five even ticks. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

interface Axes {
  x: (i: number) => number;
  y: (v: number) => number;
  svg: string[];
}

function axes(x0: number, counts: number[], yMax: number, title: string, yLabel: string): Axes {
  const { w, h, top } = PANEL;
  const step = counts.length > 1 ? w / (counts.length - 1) : 0;
  const x = (i: number) => x0 + (counts.length > 1 ? i * step : w / 2);
  const y = (v: number) => top + h - (v / yMax) * h;
  const svg: string[] = [`<text x="${x0 + w / 2}" y="${top - 14}" class="panel">${esc(title)}</text>`];
  for (let k = 0; k <= 5; k++) {
    const v = (yMax * k) / 5;
    svg.push(`<line x1="${x0}" x2="${x0 + w}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    svg.push(`<text x="${x0 - 8}" y="${y(v) + 4}" class="tick" text-anchor="end">${formatNumber(v)}</text>`);
  }
  counts.forEach(
    (c, i) => void svg.push(`<text x="${x(i)}" y="${top + h + 18}" class="tick" text-anchor="middle">${c}</text>`),
  );
  svg.push(`<text x="${x0 + w / 2}" y="${top + h + 38}" class="label" text-anchor="middle">worker threads</text>`);
  svg.push(
    `<text transform="translate(${x0 - 46} ${top + h / 2}) rotate(-90)" class="label" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  svg.push(`<rect x="${x0}" y="${top}" width="${w}" height="${h}" class="frame"/>`);
  return { x, y, svg };
}

function series(
  a: Axes,
  counts: number[],
  points: { workers: number; value: number }[],
  color: string,
  dashed = false,
): string[] {
  const xy = points
    .filter((p) => counts.includes(p.workers))
    .map((p) => [a.x(counts.indexOf(p.workers)), a.y(p.value)] as const);
  if (xy.length === 0) return [];
  const path = xy.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const out = [
    `<path d="${path}" fill="none" stroke="${color}" stroke-width="2.2"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
  ];
  if (!dashed)
    for (const [x, y] of xy) out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${color}"/>`);
  return out;
}

/**
 * Horizontal reference lines with labels at the right edge, spread 12 px apart so they do not
 * overlap: pushed down first, then, if that runs past the bottom of the panel, up from there.
 */
function references(a: Axes, x0: number, lines: { label: string; value: number; color: string }[]): string[] {
  const placed = lines
    .map((l) => ({ ...l, yLine: a.y(l.value), yText: a.y(l.value) + 4 }))
    .sort((p, q) => p.yLine - q.yLine);
  const gap = 12;
  for (let i = 1; i < placed.length; i++) placed[i]!.yText = Math.max(placed[i]!.yText, placed[i - 1]!.yText + gap);
  const bottom = PANEL.top + PANEL.h + 4;
  if (placed.length > 0 && placed.at(-1)!.yText > bottom) {
    placed.at(-1)!.yText = bottom;
    for (let i = placed.length - 2; i >= 0; i--)
      placed[i]!.yText = Math.min(placed[i]!.yText, placed[i + 1]!.yText - gap);
  }
  return placed.flatMap((p) => [
    `<line x1="${x0}" x2="${x0 + PANEL.w}" y1="${p.yLine.toFixed(1)}" y2="${p.yLine.toFixed(1)}" stroke="${p.color}" stroke-width="1.2" stroke-dasharray="2 3"/>`,
    `<text x="${x0 + PANEL.w + 6}" y="${p.yText.toFixed(1)}" class="ref" fill="${p.color}">${esc(p.label)}</text>`,
  ]);
}

interface Bar {
  label: string;
  ratio: number;
  chunkmillMs: number;
  duckdbMs: number;
  check: string;
  /** After the figures: what was measured, where the rows differ in kind. */
  note: string;
}

/** The head-to-head jobs (whole processes), then the warm-engine row (one process), as bars. */
function versusBars(report: Report): Bar[] {
  const bars: Bar[] = report.versus.map((r) => ({
    label: `${r.job}, ${r.data}`,
    ratio: r.ratio,
    chunkmillMs: r.chunkmill.medianMs,
    duckdbMs: r.duckdb.medianMs,
    check: r.check,
    note: 'CLI, whole processes',
  }));
  const w = report.warm;
  if (w !== null && w !== undefined)
    bars.push({
      label: `groupBy warm, ${w.data}`,
      ratio: w.ratio,
      chunkmillMs: w.engine.medianMs,
      duckdbMs: w.duckdb.medianMs,
      check: w.check,
      note: 'a warm engine vs a warm connection, one process',
    });
  return bars;
}

/** Horizontal bars of chunkmill / DuckDB wall time, one per job, with the 1.0 line (DuckDB's time). */
function versusPanel(report: Report, top: number): string[] {
  const rows = versusBars(report);
  if (rows.length === 0) return [];
  const workers = report.versus[0]?.workers ?? report.warm?.workers;
  const x0 = LEFT_X + 150;
  const w = W - x0 - 200;
  const max = niceMax(Math.max(2, ...rows.map((r) => r.ratio)) * 1.05);
  const x = (v: number) => x0 + (v / max) * w;
  const out = [
    `<text x="${LEFT_X}" y="${top}" class="panel" text-anchor="start" style="text-anchor:start">chunkmill / DuckDB, wall time (${workers} workers vs ${workers} threads; below 1: chunkmill faster)</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + 16 + i * BAR;
    const color = r.ratio <= 1 ? '#2e8b57' : '#c0392b';
    out.push(`<text x="${x0 - 8}" y="${y + 15}" class="tick" text-anchor="end">${esc(r.label)}</text>`);
    out.push(
      `<rect x="${x0}" y="${y + 4}" width="${(x(r.ratio) - x0).toFixed(1)}" height="${BAR - 8}" fill="${color}"/>`,
    );
    out.push(
      `<text x="${(x(r.ratio) + 6).toFixed(1)}" y="${y + 15}" class="tick">${r.ratio.toFixed(2)}× (${(r.chunkmillMs / 1000).toFixed(2)} s vs ${(r.duckdbMs / 1000).toFixed(2)} s; ${r.note})${r.check === 'ok' ? '' : ` ${r.check}`}</text>`,
    );
  });
  const bottom = top + 16 + rows.length * BAR;
  out.push(
    `<line x1="${x(1).toFixed(1)}" x2="${x(1).toFixed(1)}" y1="${top + 10}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${x(1).toFixed(1)}" y="${bottom + 14}" class="tick" text-anchor="middle">1 = DuckDB</text>`,
  );
  return out;
}

export function renderSvg(report: Report): string {
  const bars = versusBars(report).length;
  const H = H0 + (bars === 0 ? 0 : VERSUS_MARGIN + bars * BAR);
  const engine = (kind: string) =>
    report.rows.filter(
      (r) => r.type === 'engine' && r.workers > 0 && r.dataset.kind === kind && !r.data.includes('prefix'),
    );
  const kinds = ['sales', 'wide'].filter((k) => engine(k).length > 0);
  const counts = [...new Set(kinds.flatMap((k) => engine(k).map((r) => r.workers)))].sort((p, q) => p - q);
  const serial = report.rows.filter((r) => r.type === 'engine' && r.workers === 0 && !r.data.includes('prefix'));
  const peers: Row[] = report.rows.filter((r) => r.type !== 'engine');
  const refs = [
    ...serial.map((r) => ({
      label: `serial, ${r.dataset.kind} ${formatNumber(r.mbps)}`,
      value: r.mbps,
      color: COLORS[r.dataset.kind] ?? '#333',
    })),
    ...peers.map((r) => ({
      label: `${shortName(r)}${r.check === 'ok' ? '' : ` ${r.check}`} ${formatNumber(r.mbps)}`,
      value: r.mbps,
      color: PEER_COLOR,
    })),
  ];
  const maxMbps = Math.max(1, ...kinds.flatMap((k) => engine(k).map((r) => r.mbps)), ...refs.map((r) => r.value));
  const left = axes(LEFT_X, counts, niceMax(maxMbps * 1.05), 'Throughput (MB/s, median)', 'MB/s');
  const maxSpeedup = Math.max(counts.at(-1) ?? 1, ...kinds.flatMap((k) => engine(k).map((r) => r.speedup ?? 0)));
  const right = axes(RIGHT_X, counts, niceMax(maxSpeedup * 1.05), 'Speed-up over 1 worker', 'speed-up (×)');

  const body: string[] = [...left.svg, ...references(left, LEFT_X, refs), ...right.svg];
  body.push(
    ...series(
      right,
      counts,
      counts.map((c) => ({ workers: c, value: c })),
      '#999',
      true,
    ),
  );
  for (const k of kinds) {
    const rows = engine(k);
    body.push(
      ...series(
        left,
        counts,
        rows.map((r) => ({ workers: r.workers, value: r.mbps })),
        COLORS[k]!,
      ),
    );
    body.push(
      ...series(
        right,
        counts,
        rows.map((r) => ({ workers: r.workers, value: r.speedup ?? 0 })),
        COLORS[k]!,
      ),
    );
  }
  // Legend
  const ly = PANEL.top + PANEL.h + 66;
  let lx = LEFT_X;
  const legend = [
    ...kinds.map((k) => ({ label: `chunkmill, ${k} (${engine(k)[0]!.data})`, color: COLORS[k]!, dash: '' })),
    { label: 'ideal speed-up', color: '#999', dash: ' stroke-dasharray="6 4"' },
    { label: 'serial / single-threaded peers (reference lines)', color: PEER_COLOR, dash: ' stroke-dasharray="2 3"' },
  ];
  for (const l of legend) {
    body.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${l.color}" stroke-width="2.2"${l.dash}/>`,
    );
    body.push(`<text x="${lx + 30}" y="${ly + 4}" class="tick">${esc(l.label)}</text>`);
    lx += 40 + l.label.length * 6.3;
  }
  body.push(...versusPanel(report, PANEL.top + PANEL.h + 104));
  const peerData = peers.find((p) => p.data.includes('prefix'))?.data;
  const caption = `Median of the timed runs; MB = 10^6 bytes; engine runs include starting its worker pool.${peerData ? ` Peers ran on ${peerData}.` : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    '<style>.panel{font-size:14px;font-weight:600;text-anchor:middle}.tick{font-size:11px;fill:#333}.label{font-size:12px;fill:#333}.ref{font-size:10px}.grid{stroke:#e6e6e6}.frame{fill:none;stroke:#888}.title{font-size:17px;font-weight:700}.sub{font-size:11px;fill:#555}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${LEFT_X}" y="26" class="title">chunkmill: ${esc(kinds.map((k) => describeQueryShort(k)).join('; '))}</text>`,
    `<text x="${LEFT_X}" y="46" class="sub">${esc(describeMachine(report.machine))}</text>`,
    ...body,
    `<text x="${LEFT_X}" y="${H - 30}" class="sub">${esc(caption)}</text>`,
    `<text x="${LEFT_X}" y="${H - 12}" class="sub">${esc(report.command)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function describeQueryShort(kind: string): string {
  return kind === 'sales' ? 'sales: count + sum(amount) by region' : 'wide: count + 19 sums by c0';
}

/** "peer-papaparse-string" -> "papaparse string", "peer-fast-csv" -> "fast-csv"; other rows keep their label. */
function shortName(r: Row): string {
  return r.id.startsWith('peer-') ? r.id.slice(5).replace(/-(string|stream|split)$/, ' $1') : r.label;
}
