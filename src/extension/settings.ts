import { isPreprocessPreset, preprocessPresets, type PreprocessPreset, type Preprocessing } from '../protocol/preprocessing';
/**
 * The `robustnessLens.*` settings, resolved into the defaults of a check. A bad value in
 * settings.json is reported with the setting's full name, not silently replaced.
 */
import { checkDefaults } from '../run/defaults';
import { attackNames, isAttackName, type AttackName } from '../engine/attacks/names';
import { attackOptionRules, type AttackOptions } from '../engine/attacks/options';
import type { BackendChoice, ForwardChoice } from '../protocol/report';
import {
  backendChoices,
  forwardChoices,
  checkAlphaList,
  checkNonNegativeInteger,
  checkPositiveInteger,
  checkPositiveNumber,
  type Parsed,
} from './option-values';
import type { SettingsSource } from './ports';

export const settingsSection = 'robustnessLens';

/** The defaults of CONTRACT.md's command line, also the settings' defaults in package.json. */
export const contractDefaults = {
  ...checkDefaults,
  limit: 0,
  workers: 0,
  nodePath: '',
  batchMemoryMb: 256,
  outputDirectory: '.robustness',
  detailImages: 24,
  quickLookImages: 50,
  quickLookSamples: 200,
};

export interface ExtensionSettings {
  attack: AttackName;
  /** Budgets of ddn, fmn and best, and fgm-line's refine: robustnessLens.steps, .ddnGamma, .ddnInitEps, .fmnAlpha, .fmnAlphaFinal, .fmnGamma, .fmnGammaFinal, .refine. */
  attackOptions: AttackOptions;
  alphas: number[];
  samples: number;
  scales: number;
  maxEps: number;
  /** 0: every image. */
  limit: number;
  seed: number;
  clip: boolean;
  /** Rare-event estimates of each α's flip probability (--rare-event). */
  rareEvent: boolean;
  /** Forward passes per image and α for them (--rare-event-budget). */
  rareEventBudget: number;
  backend: BackendChoice;
  forward: ForwardChoice;
  /** What the model expects of [0, 1] RGB pixels (robustnessLens.preprocess, .mean, .std; --preprocess, --mean, --std). */
  preprocessing: Preprocessing;
  /** 0: one worker per core. */
  workers: number;
  /** Empty: the editor's own Node (ELECTRON_RUN_AS_NODE under Electron). */
  nodePath: string;
  /** Memory budget of one forward batch per worker, MB. */
  batchMemoryMb: number;
  /** Where runs are stored; relative paths are taken from the workspace folder. */
  outputDirectory: string;
  /** How many images get their detail view embedded in the standalone report.html. */
  detailImages: number;
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
  const d = contractDefaults;
  return {
    attack: read('attack', d.attack, checkAttack),
    attackOptions: Object.fromEntries(
      (Object.keys(attackOptionRules) as (keyof AttackOptions)[]).map((key) => [key, read(key, d.attackOptions[key], (value) => checkAttackOption(key, value))]),
    ) as unknown as AttackOptions,
    alphas: read('alphas', d.alphas, checkAlphaList),
    samples: read('samples', d.samples, checkPositiveInteger),
    scales: read('scales', d.scales, checkPositiveInteger),
    maxEps: read('maxEps', d.maxEps, checkPositiveNumber),
    limit: read('limit', d.limit, checkNonNegativeInteger),
    seed: read('seed', d.seed, checkNonNegativeInteger),
    clip: read('clip', d.clip, checkBoolean),
    rareEvent: read('rareEvent', d.rareEvent, checkBoolean),
    rareEventBudget: read('rareEventBudget', d.rareEventBudget, checkPositiveInteger),
    backend: read('backend', d.backend, checkBackend),
    forward: read('forward', d.forward, checkForward),
    preprocessing: preprocessingOf(read('preprocess', 'unit' as PreprocessPreset, checkPreprocess), read('mean', [] as number[], checkNumberList), read('std', [] as number[], checkNumberList)),
    workers: read('workers', d.workers, checkNonNegativeInteger),
    nodePath: read('nodePath', d.nodePath, checkString),
    batchMemoryMb: read('batchMemoryMb', d.batchMemoryMb, checkPositiveNumber),
    outputDirectory: read('outputDirectory', d.outputDirectory, checkNonEmptyString),
    detailImages: read('detailImages', d.detailImages, checkNonNegativeInteger),
    quickLookImages: read('quickLook.images', d.quickLookImages, checkPositiveInteger),
    quickLookSamples: read('quickLook.samples', d.quickLookSamples, checkPositiveInteger),
  };
}

function checkBoolean(value: unknown): Parsed<boolean> {
  return typeof value === 'boolean' ? { ok: true, value } : { ok: false, reason: `must be true or false (got ${JSON.stringify(value)})` };
}

function checkAttack(value: unknown): Parsed<AttackName> {
  return isAttackName(value) ? { ok: true, value } : { ok: false, reason: `must be one of ${attackNames.join(', ')} (got ${JSON.stringify(value)})` };
}

function checkAttackOption(key: keyof AttackOptions, value: unknown): Parsed<number | boolean> {
  const rule = attackOptionRules[key];
  return rule.valid(value) ? { ok: true, value: value as number | boolean } : { ok: false, reason: `must be ${rule.expected} (got ${JSON.stringify(value)})` };
}

function checkBackend(value: unknown): Parsed<BackendChoice> {
  const found = backendChoices.find((b) => b === value);
  return found ? { ok: true, value: found } : { ok: false, reason: `must be one of ${backendChoices.join(', ')} (got ${JSON.stringify(value)})` };
}

function checkForward(value: unknown): Parsed<ForwardChoice> {
  const found = forwardChoices.find((f) => f === value);
  return found ? { ok: true, value: found } : { ok: false, reason: `must be one of ${forwardChoices.join(', ')} (got ${JSON.stringify(value)})` };
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
