/**
 * Runs on disk: `<output directory>/<run id>/` holding the CLI's files (run.json, images.jsonl,
 * report.json, report.html), so the extension lists runs the CLI made and the other way round.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { homedir } from 'node:os';
import { isAttackName } from '../engine/attacks/names';
import { attackOptionsProblem, type AttackOptions } from '../engine/attacks/options';
import type { BackendChoice, BackendName, ForwardName, Report, Summary } from '../protocol/report';
import type { CheckOptions } from '../run/types';
import { fileFormatOfName } from '../worker/model/model-formats';
import { presetLabels, type PresetName } from './presets';

export const runFiles = { report: 'report.json', images: 'images.jsonl', run: 'run.json', html: 'report.html' } as const;

export type RunStatus = 'complete' | 'cancelled' | 'incomplete';

/** The settings a run was made with, enough to resume or repeat it. */
export type RunSettings = Pick<CheckOptions, 'attackOptions' | 'model' | 'data' | 'labels' | 'attack' | 'alphas' | 'samples' | 'scales' | 'maxEps' | 'limit' | 'sample' | 'seed' | 'clip' | 'rareEventBudget' | 'classes' | 'dataLabels'> & {
  backend?: BackendChoice;
};

export interface Headline {
  images: number;
  /** Correctly classified images: the adversarial rate's denominator. */
  correct: number;
  accuracy: number;
  /** Correct images with an adversarial flip: the random rates' denominator. */
  adversarialSusceptible: number;
  adversarialRate: number;
  random: { alpha: number; rate: number; susceptible: number }[];
}

/** What a run computed on: the TF.js backend and, when recorded, what ran the forward passes. */
export interface RunEngine {
  backend: BackendName;
  forward?: ForwardName;
}

export interface RunInfo {
  id: string;
  dir: string;
  status: RunStatus;
  /** When the run first started: the same across resumes. */
  startedAt: Date;
  /** Images finished (report.json's count, else lines of images.jsonl). */
  done: number;
  settings: RunSettings | null;
  headline: Headline | null;
  /** From report.json, else run.json's model info; null until a worker has loaded the model. */
  engine: RunEngine | null;
  hasHtml: boolean;
  /** The extension's preset that planned the run (run.json's `preset`); absent for CLI runs. */
  preset?: PresetName;
}

/** Where runs go: `outputDirectory` taken from `base` when relative; `~` is the home folder. */
export function resolveRunsDirectory(outputDirectory: string, base: string): string {
  const expanded = outputDirectory === '~' ? homedir() : outputDirectory.startsWith('~/') ? join(homedir(), outputDirectory.slice(2)) : outputDirectory;
  return isAbsolute(expanded) ? expanded : resolve(base, expanded);
}

/** A sortable, readable id: `2025-03-04_13-05-09_<model name>`. */
export function newRunId(modelPath: string, now: Date, taken: (id: string) => boolean): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}_${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
  const base = `${stamp}_${slug(modelName(modelPath))}`;
  let id = base;
  for (let n = 2; taken(id); n++) id = `${base}-${n}`;
  return id;
}

/**
 * What a model is called: its file stem ("net.keras" → "net"; a SavedModel folder by its name),
 * unless that is a generic name ("model.onnx", "model.json"), then its folder's name, then the
 * folder above ("mobilenet-v2/model.onnx" → "mobilenet-v2"; "demo/model/model.json" → "demo").
 */
export function modelName(modelPath: string): string {
  const file = basename(modelPath);
  const stem = fileFormatOfName(modelPath) ? file.replace(/\.[^.]+$/, '') || file : file;
  const folder = dirname(modelPath);
  const candidates = [stem, basename(folder), basename(dirname(folder))];
  return candidates.find((name) => name !== '' && !genericModelNames.has(name.toLowerCase())) ?? stem;
}

/** Names that say a file or folder holds a model, not which model it is. */
const genericModelNames = new Set([
  'model', 'models', 'saved_model', 'savedmodel', 'onnx', 'keras', 'tfjs', 'tfjs_model', 'web_model', 'weights',
  'export', 'exports', 'exported', 'checkpoint', 'checkpoints', 'output', 'outputs', 'artifacts', 'best', 'final', 'latest',
]);

/** What a dataset is called: its folder's name, or the file's name for an array dataset ("t10k-images-idx3-ubyte.gz"). */
export function datasetName(dataPath: string): string {
  return basename(dataPath) || dataPath;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'model';
}

/** Every run folder in `runsDir`, newest first; folders that hold none of the run files are not runs. */
export async function listRuns(runsDir: string): Promise<RunInfo[]> {
  let names: string[];
  try {
    names = (await readdir(runsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const runs = await Promise.all(names.map((name) => readRun(join(runsDir, name))));
  return runs.filter((r): r is RunInfo => r !== null).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.id.localeCompare(a.id));
}

/** What is known of one run folder, or null when it is not a run. */
export async function readRun(dir: string): Promise<RunInfo | null> {
  const report = await readJson(join(dir, runFiles.report));
  const runJson = await readJson(join(dir, runFiles.run));
  const lines = await countLines(join(dir, runFiles.images));
  if (report === undefined && runJson === undefined && lines === null) return null;
  const typedReport = isReport(report) ? report : null;
  // The run's first start, which a resume keeps (run.json's time, report.json's firstStartedAt); older runs know only their last session's.
  const started =
    dateOf(field(field(runJson, 'time'), 'firstStartedAt')) ?? dateOf(typedReport?.firstStartedAt) ?? dateOf(typedReport?.startedAt) ?? dateOf(field(runJson, 'startedAt')) ?? (await stat(dir)).mtime;
  return {
    id: basename(dir),
    dir,
    status: statusOf(typedReport),
    startedAt: started,
    done: typedReport ? typedReport.images.length : lines ?? 0,
    settings: settingsOf(runJson) ?? settingsOf(typedReport?.config),
    headline: typedReport ? headlineOf(typedReport.summary) : null,
    engine: engineOf(typedReport?.config) ?? engineOf(field(runJson, 'modelInfo')),
    hasHtml: existsSync(join(dir, runFiles.html)),
    ...presetOf(field(runJson, 'preset')),
  };
}

function presetOf(value: unknown): { preset?: PresetName } {
  return typeof value === 'string' && Object.hasOwn(presetLabels, value) ? { preset: value as PresetName } : {};
}

export async function readReport(dir: string): Promise<Report> {
  const path = join(dir, runFiles.report);
  const parsed = await readJson(path);
  if (parsed === undefined) throw new Error(`no report.json in ${dir}: the run has not finished (resume it to write one)`);
  if (!isReport(parsed)) throw new Error(`${path} is not a Robustness Lens report`);
  return parsed;
}

export async function readReportFile(path: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  if (!isReport(parsed)) throw new Error(`${path} is not a Robustness Lens report (no tool, config, summary and images)`);
  return parsed;
}

/** Deletes a run folder; refuses anything that is not a run folder directly inside `runsDir`. */
export async function deleteRun(runsDir: string, dir: string): Promise<void> {
  const rel = relative(resolve(runsDir), resolve(dir));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/') || rel.includes('\\')) {
    throw new Error(`refusing to delete ${dir}: not a run folder inside ${runsDir}`);
  }
  if ((await readRun(dir)) === null) throw new Error(`refusing to delete ${dir}: it holds no run files`);
  await rm(dir, { recursive: true, force: true });
}

export function headlineOf(summary: Summary): Headline {
  return {
    images: summary.images,
    correct: summary.correct,
    accuracy: summary.accuracy,
    adversarialSusceptible: summary.adversarial.susceptible,
    adversarialRate: summary.adversarial.rate,
    random: summary.random.map((r) => ({ alpha: r.alpha, rate: r.rate, susceptible: r.susceptible })),
  };
}

export function isReport(value: unknown): value is Report {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Report>;
  return typeof r.tool === 'object' && r.tool?.name === 'robustness-lens' && typeof r.config === 'object' && typeof r.summary === 'object' && Array.isArray(r.images);
}

function statusOf(report: Report | null): RunStatus {
  if (!report) return 'incomplete';
  if (report.status === 'cancelled') return 'cancelled';
  if (report.status === 'running') return 'incomplete';
  return 'complete';
}

/** Reads run settings from report.config, or from run.json (`settings`, with the image limit under `selection`). */
function settingsOf(source: unknown): RunSettings | null {
  if (typeof source !== 'object' || source === null) return null;
  const nested = field(source, 'settings');
  if (typeof nested === 'object' && nested !== null && typeof field(source, 'model') !== 'string') {
    const selection = field(source, 'selection');
    return settingsOf({ ...nested, limit: field(selection, 'limit'), sample: field(selection, 'sample') });
  }
  const s = source as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const model = s.model;
  const data = s.data;
  const alphas = Array.isArray(s.alphas) && s.alphas.every((a) => typeof a === 'number') ? (s.alphas as number[]) : undefined;
  const samples = num(s.samples);
  const scales = num(s.scales);
  const maxEps = num(s.maxEps);
  if (typeof model !== 'string' || typeof data !== 'string' || !alphas || samples === undefined || scales === undefined || maxEps === undefined) return null;
  const settings: RunSettings = { model, data, alphas, samples, scales, maxEps, seed: num(s.seed) ?? 0, clip: s.clip === true };
  if (typeof s.labels === 'string') settings.labels = s.labels;
  if (typeof s.dataLabels === 'string') settings.dataLabels = s.dataLabels;
  // --classes, as report.json's config and run.json's settings record it.
  const subset = s.classSubset;
  if (Array.isArray(subset) && subset.length > 0 && subset.every((entry) => typeof entry === 'string')) settings.classes = subset as string[];
  if (isAttackName(s.attack)) settings.attack = s.attack;
  const attackOptions = s.attackOptions;
  if (typeof attackOptions === 'object' && attackOptions !== null && attackOptionsProblem(attackOptions as Partial<AttackOptions>) === null) {
    settings.attackOptions = attackOptions as Partial<AttackOptions>;
  }
  const limit = num(s.limit);
  if (limit !== undefined) settings.limit = limit;
  const sample = num(s.sample);
  if (sample !== undefined) settings.sample = sample;
  if (typeof s.backend === 'string') settings.backend = s.backend as BackendChoice;
  const rareEventBudget = num(s.rareEventBudget);
  if (rareEventBudget !== undefined) settings.rareEventBudget = rareEventBudget;
  return settings;
}

const backendNames: readonly string[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] satisfies BackendName[];
const forwardNames: readonly string[] = ['onnxruntime', 'tfjs'] satisfies ForwardName[];

function engineOf(source: unknown): RunEngine | null {
  const backend = field(source, 'backend');
  const forward = field(source, 'forward');
  if (typeof backend !== 'string' || !backendNames.includes(backend)) return null;
  const engine: RunEngine = { backend: backend as BackendName };
  if (typeof forward === 'string' && forwardNames.includes(forward)) engine.forward = forward as ForwardName;
  return engine;
}

function field(source: unknown, key: string): unknown {
  return typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[key] : undefined;
}

function dateOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** undefined: no file; null stays for unreadable JSON, which still marks the folder as a run. */
async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Finished images in images.jsonl: lines that parse (a killed run may leave its last one cut short). */
async function countLines(path: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      JSON.parse(line);
      count++;
    } catch {
      // cut short
    }
  }
  return count;
}
