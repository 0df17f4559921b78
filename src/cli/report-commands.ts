/** Running `compare` and `gate` on finished runs: read their report.json, write the outputs. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { compareReports, type NamedReport } from '../engine/compare';
import { evaluateGates, type GateRule } from '../engine/gate';
import type { CompareReport } from '../protocol/report';
import { standaloneCompareHtml } from '../report/compare-page';
import { junitXml } from '../report/junit';
import { readReportAssets } from '../run/bundle-files';
import { writeFileAtomic } from '../run/files';
import { outputFiles, readReport } from '../run/report-files';
import { tool } from '../run/version';

export const compareFiles = { json: 'compare.json', html: 'compare.html' } as const;

/** A run given on the command line: its output folder or its report.json. */
export function readRun(path: string): NamedReport {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new Error(`${path} not found`);
  const file = statSync(absolute).isDirectory() ? join(absolute, outputFiles.report) : absolute;
  const report = readReport(file);
  if (!report?.summary || !Array.isArray(report.images)) throw new Error(`${file} is not a robustness-lens report`);
  const folder = dirname(file);
  return { report, source: file, name: basename(file) === outputFiles.report ? basename(folder) : basename(file) };
}

/** Writes compare.json and compare.html into `out`; returns the comparison and a warning when the page could not be written. */
export function writeComparison(a: string, b: string, out: string, assetsDir?: string): { compare: CompareReport; warning: string | null } {
  const runA = readRun(a);
  const runB = readRun(b);
  if (runA.name === runB.name) runB.name = `${runB.name} (b)`;
  const compare = compareReports(runA, runB, tool);
  const outDir = resolve(out);
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, compareFiles.json), `${JSON.stringify(compare, null, 1)}\n`);
  const assets = readReportAssets(assetsDir);
  if ('missing' in assets) return { compare, warning: `${compareFiles.html} not written: ${assets.missing}` };
  writeFileAtomic(join(outDir, compareFiles.html), standaloneCompareHtml(compare, assets));
  return { compare, warning: null };
}

export interface GateOutcome {
  passed: boolean;
  /** The one line for stdout. */
  line: string;
}

export function runGate(run: string, rules: readonly GateRule[], baseline: string | undefined, junit: string | undefined): GateOutcome {
  const named = readRun(run);
  const baselineRun = baseline === undefined ? null : readRun(baseline);
  const verdicts = evaluateGates(rules, named.report, baselineRun?.report ?? null);
  if (junit !== undefined) {
    mkdirSync(dirname(resolve(junit)), { recursive: true });
    writeFileAtomic(resolve(junit), junitXml(`robustness-lens gate ${named.name}`, verdicts, new Date()));
  }
  const failed = verdicts.filter((v) => !v.passed);
  if (failed.length === 0) return { passed: true, line: `gate passed: ${verdicts.length - 1} gate${verdicts.length === 2 ? '' : 's'} on ${named.name} (${verdicts.slice(1).map((v) => v.message).join('; ')})` };
  return { passed: false, line: `gate failed: ${failed.map((v) => `${v.name} (${v.message})`).join('; ')}` };
}
