/**
 * The report of a run that is still going, kept in the extension host so the panel can be filled
 * in (and refilled after a reload of the page) as images finish.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summarize } from '../engine/statistics';
import type { ModelInfo } from '../protocol/messages';
import type { ImageRecord, Report, Summary } from '../protocol/report';
import { ImagesByFile } from '../report/images-by-file';
import { runConfigOf } from '../run/run-config';
import type { CheckOptions } from '../run/types';
import { runFiles } from './run-storage';

/** `firstStartedAt`: when the run's first session started (the 'started' event's), for a resumed run. */
export function startingReport(options: CheckOptions, model: ModelInfo, classes: string[], toolVersion: string, startedAt: Date, firstStartedAt = startedAt.toISOString()): Report {
  return {
    tool: { name: 'robustness-lens', version: toolVersion },
    config: runConfigOf(options, classes, model),
    summary: summarize([], options.alphas),
    images: [],
    status: 'running',
    startedAt: startedAt.toISOString(),
    firstStartedAt,
  };
}

/** Records already in images.jsonl (a resumed run); lines that do not parse are left out. */
export async function finishedRecords(outDir: string): Promise<ImageRecord[]> {
  let text: string;
  try {
    text = await readFile(join(outDir, runFiles.images), 'utf8');
  } catch {
    return [];
  }
  const records: ImageRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as ImageRecord;
      if (typeof parsed.file === 'string') records.push(parsed);
    } catch {
      // a line cut short by a killed run
    }
  }
  return records;
}

export class LiveReport {
  readonly report: Report;
  private readonly images: ImagesByFile;

  constructor(report: Report) {
    this.report = report;
    this.images = new ImagesByFile(report.images);
  }

  /** Adds a finished image (replacing an earlier record of the same file) with the recomputed summary. */
  add(record: ImageRecord, summary: Summary): void {
    this.images.upsert(record);
    this.report.summary = summary;
  }
}
