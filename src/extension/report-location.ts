/** Where a report's files, model and dataset are, whether it came from a run folder or a loose report.json. */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { ReportSource } from '../protocol/messages';
import type { Report } from '../protocol/report';
import { readReport, readReportFile, readRun } from './run-storage';
import { runName } from './run-title';

export function sourceKey(source: ReportSource): string {
  return source.runDir ?? source.reportPath ?? '';
}

export function isReportSource(value: unknown): value is ReportSource {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as ReportSource;
  return typeof s.runDir === 'string' || typeof s.reportPath === 'string';
}

export async function loadReport(source: ReportSource): Promise<Report> {
  if (source.runDir) return readReport(source.runDir);
  if (source.reportPath) return readReportFile(source.reportPath);
  throw new Error('no report to open');
}

/** Folder a loose report.json sits in, or the run folder. */
export function sourceFolder(source: ReportSource): string | null {
  return source.runDir ?? (source.reportPath ? dirname(source.reportPath) : null);
}

/** "Robustness: cnn on test (13:05:09)": the time tells panels of the same model and data apart. */
export function panelTitle(report: Report | null, source: ReportSource): string {
  const name = report ? runName(report.config.model, report.config.data) : basename(sourceFolder(source) ?? 'report');
  const time = runTime(source, report);
  return `Robustness: ${name}${time ? ` (${time})` : ''}`;
}

/** The run's start time: from a run id the extension made (stable while the run goes), else the report's startedAt. */
function runTime(source: ReportSource, report: Report | null): string | null {
  const fromId = source.runDir ? /^\d{4}-\d\d-\d\d_(\d\d)-(\d\d)-(\d\d)_/.exec(basename(source.runDir)) : null;
  if (fromId) return `${fromId[1]}:${fromId[2]}:${fromId[3]}`;
  const started = report?.startedAt ? new Date(report.startedAt) : null;
  if (!started || Number.isNaN(started.getTime())) return null;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(started.getHours())}:${pad(started.getMinutes())}:${pad(started.getSeconds())}`;
}

/**
 * Absolute model and dataset paths: run.json stores them absolute; a report's config holds them as
 * the CLI was given them, so relative ones are taken from `base` (the workspace folder).
 */
export async function reportPaths(report: Report, source: ReportSource, base: string): Promise<{ modelPath: string; dataDir: string }> {
  const stored = source.runDir ? (await readRun(source.runDir))?.settings : null;
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  return { modelPath: stored?.model ?? absolute(report.config.model), dataDir: stored?.data ?? absolute(report.config.data) };
}

/** The webview state the page keeps ({ source, … }), when it holds a source. */
export function sourceFromState(state: unknown): ReportSource | null {
  if (typeof state !== 'object' || state === null) return null;
  const candidate = (state as { source?: unknown }).source;
  return isReportSource(candidate) ? candidate : null;
}

