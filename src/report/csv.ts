/** The per-image table as CSV (RFC 4180: CRLF rows, fields quoted when they hold `"`, `,`, CR or LF). */
import type { ImageRecord, Report } from '../protocol/report';

type Cell = string | number | boolean | null | undefined;

export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: Cell[]): string {
  return cells.map(csvField).join(',');
}

/** Name of class `index` in the run's class list, or the bare index when the list lacks it. */
export function className(classes: readonly string[], index: number): string {
  return classes[index] ?? String(index);
}

function flipsAt(record: ImageRecord, alpha: number): number | null {
  return record.random.find((r) => r.alpha === alpha)?.flips ?? null;
}

export function imagesCsv(report: Report): string {
  const { alphas, classes } = report.config;
  const header = ['file', 'class', 'predicted', 'correct', 'eps', 'l2', 'l1', 'linf', 'loss', ...alphas.map((a) => `flips_alpha_${a}`), 'samples', 'reason'];
  const rows = report.images.map((r) => {
    const a = r.adversarial;
    return csvRow([
      r.file,
      className(classes, r.label),
      className(classes, r.predicted),
      r.correct,
      a?.eps,
      a?.l2,
      a?.l1,
      a?.linf,
      a?.loss,
      ...alphas.map((alpha) => flipsAt(r, alpha)),
      r.random[0]?.samples,
      r.reason,
    ]);
  });
  return [csvRow(header), ...rows].join('\r\n') + '\r\n';
}
