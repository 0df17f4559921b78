/**
 * Merges the output folders of `check --shard i/n` runs (e.g. the pods of a Kubernetes Indexed
 * Job) into one output folder whose report equals an unsharded run's, apart from config.shard,
 * the timings and the dates.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ImageDetail } from '../protocol/messages';
import type { FileReason, ImageRecord, Report } from '../protocol/report';
import { summarize } from '../engine/statistics';
import { compareCodeUnits } from './dataset';
import { detailCandidates, outputFiles, readDetails, readReport, writeReportFiles } from './report-files';
import { writeResults } from './results-log';
import { readRunFile, settingsDifference, writeRunFile, type RunFile } from './run-file';
import { defaultDetails } from './check';
import { tool } from './version';

export interface MergeOptions {
  out: string;
  shards: string[];
  /** How many susceptible images get a detail view in report.html (default 24, as for check). */
  details?: number;
  reportAssetsDir?: string;
}

export interface MergeOutcome {
  report: Report;
  outDir: string;
  warnings: string[];
}

interface ShardOutput {
  dir: string;
  runFile: RunFile;
  report: Report;
  shard: { index: number; count: number };
}

export async function mergeShards(options: MergeOptions): Promise<MergeOutcome> {
  if (options.shards.length === 0) throw new Error('merge needs at least one shard folder');
  const shards = options.shards.map(readShard).sort((a, b) => a.shard.index - b.shard.index);
  checkCompatible(shards);
  const warnings: string[] = [];
  const first = shards[0];

  const images = mergeImages(shards);
  const alphas = first.runFile.settings.alphas;
  const backends = [...new Set(shards.map((s) => s.report.config.backend))];
  if (backends.length > 1) warnings.push(`shards ran on different backends (${backends.join(', ')}); config.backend says ${backends[0]}`);
  const incomplete = shards.filter((s) => s.report.status !== 'complete');
  if (incomplete.length > 0) warnings.push(`shard${incomplete.length > 1 ? 's' : ''} ${incomplete.map((s) => `${s.shard.index}/${s.shard.count}`).join(', ')} did not finish: the merged report is marked cancelled`);

  const union = (pick: (report: Report) => string[] | undefined) => [...new Set(shards.flatMap((s) => pick(s.report) ?? []))].sort(compareCodeUnits);
  const report: Report = {
    tool,
    config: {
      ...first.report.config,
      resized: union((r) => r.config.resized),
      skipped: union((r) => r.config.skipped),
      skippedReasons: unionByFile(shards.map((s) => s.report.config.skippedReasons)),
      failed: unionByFile(shards.map((s) => s.report.config.failed)),
      shard: null,
    },
    summary: summarize(images, alphas),
    images,
    status: incomplete.length > 0 ? 'cancelled' : 'complete',
    startedAt: shards.map((s) => s.report.startedAt ?? '').sort()[0] || undefined,
    firstStartedAt: shards.map((s) => s.report.firstStartedAt ?? s.report.startedAt ?? '').sort()[0] || undefined,
    finishedAt: new Date().toISOString(),
    timings: mergeTimings(shards),
  };

  const outDir = resolve(options.out);
  await mkdir(outDir, { recursive: true });
  writeRunFile(join(outDir, outputFiles.run), { ...first.runFile, tool, selection: { limit: first.runFile.selection.limit, sample: first.runFile.selection.sample ?? null, shard: null } });
  writeResults(join(outDir, outputFiles.images), images);
  const details = mergeDetails(shards, images, options.details ?? defaultDetails);
  const warning = writeReportFiles(outDir, report, details, options.reportAssetsDir);
  if (warning) warnings.push(warning);
  return { report, outDir, warnings };
}

/** Every shard's entries, one per file (the dataset's own skipped files appear in each shard), sorted by file. */
export function unionByFile(lists: (readonly FileReason[] | undefined)[]): FileReason[] {
  const byFile = new Map<string, FileReason>();
  for (const entry of lists.flatMap((list) => list ?? [])) if (!byFile.has(entry.file)) byFile.set(entry.file, entry);
  return [...byFile.values()].sort((a, b) => compareCodeUnits(a.file, b.file));
}

function readShard(dir: string): ShardOutput {
  const runFile = readRunFile(join(dir, outputFiles.run));
  if (!runFile) throw new Error(`${dir} holds no ${outputFiles.run}: not the output folder of a check run`);
  const shard = runFile.selection?.shard;
  if (!shard) throw new Error(`${dir} is not a shard (its run had no --shard)`);
  return { dir, runFile, report: readReport(join(dir, outputFiles.report)), shard };
}

/** Same settings, same shard count and limit, and each shard 0..n-1 exactly once. */
function checkCompatible(shards: ShardOutput[]): void {
  const first = shards[0];
  const count = first.shard.count;
  for (const other of shards.slice(1)) {
    const difference = settingsDifference(first.runFile.settings, other.runFile.settings, true);
    if (difference) throw new Error(`${other.dir} was run with other settings than ${first.dir} (${difference})`);
    if (other.shard.count !== count) throw new Error(`${other.dir} is shard ${other.shard.index}/${other.shard.count} but ${first.dir} is one of ${count}`);
    if (other.runFile.selection.limit !== first.runFile.selection.limit) {
      throw new Error(`${other.dir} was run with --limit ${other.runFile.selection.limit ?? 'none'} but ${first.dir} with ${first.runFile.selection.limit ?? 'none'}`);
    }
    if ((other.runFile.selection.sample ?? null) !== (first.runFile.selection.sample ?? null)) {
      throw new Error(`${other.dir} was run with --sample ${other.runFile.selection.sample ?? 'none'} but ${first.dir} with ${first.runFile.selection.sample ?? 'none'}`);
    }
  }
  const seen = new Map<number, string>();
  for (const shard of shards) {
    const twin = seen.get(shard.shard.index);
    if (twin) throw new Error(`${twin} and ${shard.dir} are both shard ${shard.shard.index}/${count}`);
    seen.set(shard.shard.index, shard.dir);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new Error(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`);
}

function mergeImages(shards: ShardOutput[]): ImageRecord[] {
  const byFile = new Map<string, ImageRecord>();
  for (const shard of shards) {
    for (const image of shard.report.images) {
      if (byFile.has(image.file)) throw new Error(`${image.file} appears in more than one shard`);
      byFile.set(image.file, image);
    }
  }
  return [...byFile.values()].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
}

/** The first susceptible images of the whole run are among the first of their own shard, so the union holds them. */
function mergeDetails(shards: ShardOutput[], images: ImageRecord[], count: number): ImageDetail[] {
  const available = new Map<string, ImageDetail>();
  for (const shard of shards) for (const detail of readDetails(join(shard.dir, outputFiles.details))) available.set(detail.file, detail);
  return detailCandidates(images, count).flatMap((image) => {
    const detail = available.get(image.file);
    return detail ? [detail] : [];
  });
}

function mergeTimings(shards: ShardOutput[]): Record<string, number> {
  const merged: Record<string, number> = { shards: shards.length };
  for (const shard of shards) {
    for (const [key, value] of Object.entries(shard.report.timings ?? {})) {
      // Shards run side by side: the wall time is the longest one; the rest add up.
      merged[key] = key === 'wallSeconds' || key === 'activeSeconds' ? Math.max(merged[key] ?? 0, value) : (merged[key] ?? 0) + value;
    }
  }
  return merged;
}
