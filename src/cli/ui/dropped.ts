/**
 * The lines that say what an answer leaves out: rows skipped for their field count
 * (--on-bad-row skip or report) and values read as empty for not being numbers (--on-bad-number
 * skip). The engine counts both in its result's stats (rowsRejected, valuesSkipped); a CLI that
 * did not print them answered from less data without a word.
 */
export interface DroppedCounts {
  rowsRejected: number;
  valuesSkipped: number;
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function droppedLines(stats: DroppedCounts, ui: { onBadRow?: string; rejects?: string }): string[] {
  const lines: string[] = [];
  if (stats.rowsRejected > 0) {
    const where =
      ui.onBadRow === 'report' && ui.rejects !== undefined
        ? `they are in ${ui.rejects}, with their lines`
        : '--on-bad-row report --rejects FILE lists them with their lines';
    lines.push(
      `chunkmill: warning: ${plural(stats.rowsRejected, 'row', 'rows')} with the wrong number of fields left out of the result; ${where} [WARN_ROWS_SKIPPED]`,
    );
  }
  if (stats.valuesSkipped > 0)
    lines.push(
      `chunkmill: warning: ${plural(stats.valuesSkipped, 'value that is not a number was', 'values that are not numbers were')} read as empty (--on-bad-number skip) [WARN_VALUES_SKIPPED]`,
    );
  return lines;
}
