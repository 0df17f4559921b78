/**
 * run.json: the settings that define a run's per-image results, kept beside images.jsonl so a rerun
 * knows whether it may resume. The backend and the number of workers are not among them (the same
 * seed gives the same results whatever runs them), nor are --limit and --shard: they choose which
 * images are analysed, not what an image's result is, so a rerun with a larger --limit resumes.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ModelInfo } from '../protocol/messages';
import { writeFileAtomic } from './files';
import { defaultPreprocessing } from '../protocol/preprocessing';
import type { RunSettings } from '../protocol/settings';

/** A view of RunSettings (src/protocol/settings.ts) under run.json's names (`preprocess`), plus the model and data it ran on. */
export interface ResultSettings extends Pick<RunSettings, 'scales' | 'maxEps' | 'alphas' | 'samples' | 'seed' | 'clip'> {
  /** Absolute path of the model (informational: the hash identifies it). */
  model: string;
  modelHash: string;
  /** Absolute path of the dataset folder. */
  data: string;
  /** Absolute path of the labels file, or null for sorted folder names. */
  labels: string | null;
  /** Added: absolute path of --data-labels (an array dataset's labels); absent or null: where its format keeps them. */
  dataLabels?: string | null;
  /** Added: --classes as given (informational: `classes` holds the names it chose, which a resume compares). */
  classSubset?: string[] | null;
  classes: string[];
  attack: string;
  /** Added: the options `attack` reads (attackOptionsOf); absent in runs from before, which were fgm-line or deepfool with none but refine off. */
  attackOptions?: RunSettings['attackOptions'];
  /** Added: forward passes per rare-event estimate, null (or absent in older runs) when off. */
  rareEventBudget?: number | null;
  /** Added: the preprocessing folded into the model; absent in older runs, which had none ('unit'). */
  preprocess?: RunSettings['preprocessing'];
}

export interface RunFile {
  tool: { name: 'robustness-lens'; version: string };
  settings: ResultSettings;
  /** Which images the last run over this folder selected. */
  selection: { limit: number | null; sample?: number | null; shard: { index: number; count: number } | null };
  /** The model as the last run's workers saw it. */
  modelInfo: ModelInfo | null;
  /** Added: the run's time over its sessions so far (a resume continues it); absent in runs from before. */
  time?: RunTime;
  /** Added: the extension's preset that planned the run (quick, paper, custom); absent for runs the CLI made. */
  preset?: string;
}

/**
 * When a run over this folder first started and how long its sessions worked, so a resumed run
 * reports the whole run and not only its last part. Written after each finished image, so a killed
 * session counts up to its last image.
 */
export interface RunTime {
  /** ISO time the first session started. */
  firstStartedAt: string;
  /** Wall seconds of the sessions so far (a killed one up to its last finished image). */
  activeSeconds: number;
}

/** Settings compared on resume; merge leaves out the paths, which differ between machines. */
const resumeKeys: (keyof ResultSettings)[] = ['modelHash', 'data', 'labels', 'dataLabels', 'classes', 'attack', 'scales', 'maxEps', 'alphas', 'samples', 'seed', 'clip', 'rareEventBudget'];
const pathKeys = new Set<keyof ResultSettings>(['model', 'data', 'labels', 'dataLabels']);

export function readRunFile(path: string): RunFile | null {
  if (!existsSync(path)) return null;
  let parsed: RunFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as RunFile;
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed?.settings !== 'object' || parsed.settings === null) throw new Error(`${path} holds no run settings`);
  return parsed;
}

export function writeRunFile(path: string, runFile: RunFile): void {
  writeFileAtomic(path, `${JSON.stringify(runFile, null, 2)}\n`);
}

/**
 * The first setting that differs, as "seed 0 → 1", or null when the results are interchangeable.
 * `ignorePaths` compares runs made on different machines (merge), where only content matters.
 */
export function settingsDifference(earlier: ResultSettings, now: ResultSettings, ignorePaths = false): string | null {
  for (const key of resumeKeys) {
    if (ignorePaths && pathKeys.has(key)) continue;
    const before = JSON.stringify(earlier[key] ?? null);
    const after = JSON.stringify(now[key] ?? null);
    if (before !== after) return key === 'modelHash' ? 'the model file changed' : `${key} ${before} → ${after}`;
  }
  const options = (settings: ResultSettings) => JSON.stringify(settings.attackOptions ?? (settings.attack === 'fgm-line' ? { refine: false } : {}));
  if (options(earlier) !== options(now)) return `attack options ${options(earlier)} → ${options(now)}`;
  const preprocess = (settings: ResultSettings) => JSON.stringify(settings.preprocess ?? defaultPreprocessing);
  if (preprocess(earlier) !== preprocess(now)) return `preprocess ${preprocess(earlier)} → ${preprocess(now)}`;
  return null;
}
