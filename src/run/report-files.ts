/**
 * The output folder's report files (CONTRACT.md "Output folder"): report.json, report.html, and
 * details.json (the detail views embedded in report.html, kept so `merge` can rebuild it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDetail } from '../protocol/messages';
import type { ImageRecord, Report } from '../protocol/report';
import { standaloneReportHtml } from '../report/standalone';
import { readReportAssets } from './bundle-files';
import { writeFileAtomic } from './files';

export const outputFiles = {
  run: 'run.json',
  images: 'images.jsonl',
  report: 'report.json',
  html: 'report.html',
  details: 'details.json',
} as const;

/** Pretty at the top, one line per image: readable, diffable, and not three times the size. */
export function formatReportJson(report: Report): string {
  const { images, ...rest } = report;
  const head = JSON.stringify({ ...rest, images: [] }, null, 2);
  if (images.length === 0) return `${head}\n`;
  const lines = images.map((image) => `    ${JSON.stringify(image)}`).join(',\n');
  return `${head.replace(/"images": \[\]\n\}$/, () => `"images": [\n${lines}\n  ]\n}`)}\n`;
}

export function readReport(path: string): Report {
  if (!existsSync(path)) throw new Error(`${path} not found`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Report;
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message})`);
  }
}

export function readDetails(path: string): ImageDetail[] {
  if (!existsSync(path)) return [];
  try {
    const details = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return Array.isArray(details) ? (details as ImageDetail[]) : [];
  } catch {
    return [];
  }
}

/** The images whose detail views report.html embeds: the first `count` susceptible ones in index order. */
export function detailCandidates(images: readonly ImageRecord[], count: number): ImageRecord[] {
  return images.filter((image) => image.adversarial !== null).slice(0, count);
}

/**
 * Writes report.json, details.json and report.html. Returns a warning when report.html could not
 * be written because the report panel's bundle is missing (report.json is the contract; the page is a view of it).
 */
export function writeReportFiles(outDir: string, report: Report, details: ImageDetail[], assetsDir?: string): string | null {
  writeFileAtomic(join(outDir, outputFiles.report), formatReportJson(report));
  writeFileAtomic(join(outDir, outputFiles.details), `${JSON.stringify(details)}\n`);
  const assets = readReportAssets(assetsDir);
  if ('missing' in assets) return `report.html not written: ${assets.missing}`;
  writeFileAtomic(join(outDir, outputFiles.html), standaloneReportHtml(report, assets, details));
  return null;
}
