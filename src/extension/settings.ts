/**
 * The `robustnessLens.*` settings, resolved into the defaults of a check. A bad value in
 * settings.json is reported with the setting's full name, not silently replaced; the run's settings
 * are checked by the rules the CLI's flags and the worker use (src/protocol/settings-rules.ts).
 */
import { isPreprocessPreset, preprocessPresets, type PreprocessPreset, type Preprocessing } from '../protocol/preprocessing';
import { settingNames, type RunSettings, type SettingKey } from '../protocol/settings';
import { settingsProblem } from '../protocol/settings-rules';
import { checkDefaults } from '../run/defaults';
import { attackOptionRules, type AttackOptions } from '../engine/attacks/options';
import { checkPositiveInteger, type Parsed } from './option-values';
import type { SettingsSource } from './ports';

export const settingsSection = 'robustnessLens';

/** The defaults of CONTRACT.md's command line, also the settings' defaults in package.json. */
export const contractDefaults = {
  ...checkDefaults,
  limit: 0,
  workers: 0,
  nodePath: '',
  outputDirectory: '.robustness',
  detailImages: checkDefaults.details,
  quickLookImages: 50,
  quickLookSamples: 200,
};

/** The run's settings the extension reads from settings.json (RunSettings' names and rules). */
type ReadSettings = 'attack' | 'alphas' | 'samples' | 'scales' | 'maxEps' | 'seed' | 'clip' | 'rareEvent' | 'rareEventBudget' | 'backend' | 'forward' | 'preprocessing' | 'batchMemoryMb';

export interface ExtensionSettings extends Pick<RunSettings, ReadSettings> {
  /** Budgets of ddn, fmn and best, and fgm-line's refine: robustnessLens.steps, .ddnGamma, .ddnInitEps, .fmnAlpha, .fmnAlphaFinal, .fmnGamma, .fmnGammaFinal, .refine; every one resolved. */
  attackOptions: AttackOptions;
  /** RunSettings' limit; 0: every image. */
  limit: number;
  /** RunSettings' workers; 0: one worker per core. */
  workers: number;
  /** Empty: the editor's own Node (ELECTRON_RUN_AS_NODE under Electron). */
  nodePath: string;
  /** Where runs are stored; relative paths are taken from the workspace folder. */
  outputDirectory: string;
  /** RunSettings' details: how many images get their detail view embedded in the standalone report.html. */
  detailImages: RunSettings['details'];
  quickLookImages: number;
  quickLookSamples: number;
}

export class SettingsError extends Error {}

/** Reads every setting, falling back to the contract's default when unset; throws SettingsError on a bad value. */
export function resolveSettings(source: SettingsSource): ExtensionSettings {
  const read = <T>(key: string, fallback: T, check: (v: unknown) => Parsed<T>): T => {
    const value = source.get<unknown>(key);
    if (value === undefined || value === null) return fallback;
    const parsed = check(value);
    if (!parsed.ok) throw new SettingsError(`Setting ${settingsSection}.${key} ${parsed.reason}`);
    return parsed.value;
  };
  /** A run setting (under its name in settingNames), checked by its one rule; `unsetValue` is the extension's "leave it to the run" (0: every image, one worker per core). */
  const readRun = <T>(settingKey: SettingKey, fallback: T, unsetValue?: number): T => readChecked(settingKey, jsonKeyOf(settingKey), fallback, unsetValue);
  const readChecked = <T>(settingKey: SettingKey, key: string, fallback: T, unsetValue?: number): T => {
    const value = source.get<unknown>(key);
    if (value === undefined || value === null) return fallback;
    if (unsetValue !== undefined && value === unsetValue) return value as T;
    const problem = settingsProblem({ [settingKey]: settingKey === 'attackOptions' ? { [key]: value } : value }, 'setting');
    if (problem) throw new SettingsError(`Setting ${problem}`);
    return value as T;
  };
  const d = contractDefaults;
  return {
    attack: readRun('attack', d.attack),
    attackOptions: Object.fromEntries(
      (Object.keys(attackOptionRules) as (keyof AttackOptions)[]).map((key) => [key, readChecked('attackOptions', key, d.attackOptions[key])]),
    ) as unknown as AttackOptions,
    alphas: readRun('alphas', d.alphas),
    samples: readRun('samples', d.samples),
    scales: readRun('scales', d.scales),
    maxEps: readRun('maxEps', d.maxEps),
    limit: readRun('limit', d.limit, 0),
    seed: readRun('seed', d.seed),
    clip: readRun('clip', d.clip),
    rareEvent: readRun('rareEvent', d.rareEvent),
    rareEventBudget: readRun('rareEventBudget', d.rareEventBudget),
    backend: readRun('backend', d.backend),
    forward: readRun('forward', d.forward),
    preprocessing: preprocessingOf(read('preprocess', 'unit' as PreprocessPreset, checkPreprocess), read('mean', [] as number[], checkNumberList), read('std', [] as number[], checkNumberList)),
    workers: readRun('workers', d.workers, 0),
    nodePath: read('nodePath', d.nodePath, checkString),
    batchMemoryMb: readRun('batchMemoryMb', d.batchMemoryMb),
    outputDirectory: read('outputDirectory', d.outputDirectory, checkNonEmptyString),
    detailImages: readRun('details', d.detailImages),
    quickLookImages: read('quickLook.images', d.quickLookImages, checkPositiveInteger),
    quickLookSamples: read('quickLook.samples', d.quickLookSamples, checkPositiveInteger),
  };
}

/** The settings.json key of a run setting: its name in settingNames without the section. */
function jsonKeyOf(key: SettingKey): string {
  const name = settingNames[key].setting;
  if (name === null) throw new Error(`the run setting ${key} has no VS Code setting`);
  return name.slice(settingsSection.length + 1);
}

function checkPreprocess(value: unknown): Parsed<PreprocessPreset> {
  return isPreprocessPreset(value) ? { ok: true, value } : { ok: false, reason: `must be one of ${preprocessPresets.join(', ')} (got ${JSON.stringify(value)})` };
}

function checkNumberList(value: unknown): Parsed<number[]> {
  return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v))
    ? { ok: true, value: value as number[] }
    : { ok: false, reason: `must be a list of numbers (got ${JSON.stringify(value)})` };
}

/** An empty mean or std list keeps the preset's. */
function preprocessingOf(preset: PreprocessPreset, mean: number[], std: number[]): Preprocessing {
  if (std.some((v) => v === 0)) throw new SettingsError(`Setting ${settingsSection}.std must not hold 0`);
  return { preset, ...(mean.length > 0 ? { mean } : {}), ...(std.length > 0 ? { std } : {}) };
}

function checkString(value: unknown): Parsed<string> {
  return typeof value === 'string' ? { ok: true, value: value.trim() } : { ok: false, reason: `must be a text (got ${JSON.stringify(value)})` };
}

function checkNonEmptyString(value: unknown): Parsed<string> {
  return typeof value === 'string' && value.trim() !== '' ? { ok: true, value: value.trim() } : { ok: false, reason: `must be a folder path (got ${JSON.stringify(value)})` };
}
