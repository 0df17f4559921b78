/** The one line the CLI prints on stdout when a run ends: the paper's Table 1 row, and where the report went. */
import type { Report } from '../protocol/report';

export function summaryLine(report: Report, reportPath: string): string {
  const { summary } = report;
  const parts = [
    `accuracy ${percent(summary.correct, summary.images)}`,
    `adversarial ${percent(summary.adversarial.susceptible, summary.correct)}`,
    ...summary.random.map((entry, i) => `${i === 0 ? 'random ' : ''}α=${entry.alpha} ${entry.susceptible}/${summary.adversarial.susceptible}`),
  ];
  const prefix = report.status === 'cancelled' ? `cancelled after ${summary.images} image${summary.images === 1 ? '' : 's'} · ` : '';
  return `${prefix}${parts.join(' · ')} → ${reportPath}`;
}

function percent(count: number, total: number): string {
  const share = total === 0 ? 'n/a' : `${(Math.round((1000 * count) / total) / 10).toFixed(1)}%`;
  return `${share} (${count}/${total})`;
}
