/** What the views say in place of numbers before the first image: nothing is measured yet, or none was. */
import type { Report } from '../../src/protocol/report';

export function nothingMeasured(report: Report): boolean {
  return report.summary.images === 0;
}

export function notMeasuredText(report: Report): string {
  return report.status === 'running' ? 'waiting for the first image' : 'no image was analysed';
}
