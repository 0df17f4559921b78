/** What the views say in place of numbers before the first image: nothing is measured yet, or none was. */
import type { Report } from '../../src/protocol/report';

export function nothingMeasured(report: Report): boolean {
  return report.summary.images === 0;
}

export function notMeasuredText(report: Report): string {
  return report.status === 'running' ? 'waiting for the first image' : 'no image was analysed';
}

/** The sentence an empty chart or table shows: "Nothing measured yet: waiting for the first image." */
export function notMeasuredSentence(report: Report): string {
  return `Nothing measured yet: ${notMeasuredText(report)}.`;
}

/** The summary's headline before any image: the sentence while running, "No image was analysed." after. */
export function notMeasuredHeadline(report: Report): string {
  return report.status === 'running' ? notMeasuredSentence(report) : 'No image was analysed.';
}
