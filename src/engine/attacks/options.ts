/**
 * The attacks' budgets and schedules (CLI --steps, --ddn-*, --fmn-*, --refine; the extension's
 * settings; EngineSettings.attackOptions; the report's config.attackOptions), declared once with
 * their defaults and their range rules. Pure data: no attack code.
 */
import type { AttackName } from './names';

export interface AttackOptions {
  /** Gradient steps of ddn and fmn per image (both papers and adv_lib: 100 for DDN). */
  steps: number;
  /** DDN's norm factor γ: ε ← (1 ∓ γ)·ε after each step (Rony et al. 2019, Algorithm 1: 0.05). */
  ddnGamma: number;
  /** DDN's initial norm ε₀ (Algorithm 1: 1), pixel units. */
  ddnInitEps: number;
  /** FMN's initial gradient step size α₀ (Pintor et al. 2021: 1), cosine-annealed to fmnAlphaFinal. */
  fmnAlpha: number;
  /** FMN's final step size (adv_lib: α₀/100). */
  fmnAlphaFinal: number;
  /** FMN's initial norm step γ₀ (0.05), cosine-annealed to fmnGammaFinal. */
  fmnGamma: number;
  /** FMN's final norm step (0.001). */
  fmnGammaFinal: number;
  /** Bisect fgm-line's flipping scale within its grid step too (the paper reads it off the grid). */
  refine: boolean;
  /** With best: the random stage also at every other attack's ε* (adversarial.randomByAttack), each costing as much as the chosen one. */
  randomPerAttack: boolean;
}

export const defaultAttackOptions: Readonly<AttackOptions> = {
  steps: 100,
  ddnGamma: 0.05,
  ddnInitEps: 1,
  fmnAlpha: 1,
  fmnAlphaFinal: 0.01,
  fmnGamma: 0.05,
  fmnGammaFinal: 0.001,
  refine: false,
  randomPerAttack: false,
};

type OptionKey = keyof AttackOptions;

interface OptionRule {
  /** The command-line flag that sets it. */
  flag: string;
  valid(value: unknown): boolean;
  /** What a valid value is, for the one-line error. */
  expected: string;
}

const positiveNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;
const openUnitInterval = (value: unknown) => typeof value === 'number' && value > 0 && value < 1;

/** One rule per option: the CLI, the extension and the worker all check with these. */
export const attackOptionRules: Record<OptionKey, OptionRule> = {
  steps: { flag: '--steps', valid: (value) => Number.isSafeInteger(value) && (value as number) >= 1, expected: 'a positive integer' },
  ddnGamma: { flag: '--ddn-gamma', valid: openUnitInterval, expected: 'a number in (0, 1)' },
  ddnInitEps: { flag: '--ddn-init-eps', valid: positiveNumber, expected: 'a positive number' },
  fmnAlpha: { flag: '--fmn-alpha', valid: positiveNumber, expected: 'a positive number' },
  fmnAlphaFinal: { flag: '--fmn-alpha-final', valid: positiveNumber, expected: 'a positive number' },
  fmnGamma: { flag: '--fmn-gamma', valid: openUnitInterval, expected: 'a number in (0, 1)' },
  fmnGammaFinal: { flag: '--fmn-gamma-final', valid: openUnitInterval, expected: 'a number in (0, 1)' },
  refine: { flag: '--refine', valid: (value) => typeof value === 'boolean', expected: 'true or false' },
  randomPerAttack: { flag: '--random-per-attack', valid: (value) => typeof value === 'boolean', expected: 'true or false' },
};

/** The first problem with `options` as "<name> must be …, got …", naming each by `nameOf`, or null. */
export function attackOptionsProblem(options: Partial<AttackOptions>, nameOf: (key: OptionKey) => string = (key) => key): string | null {
  for (const key of Object.keys(options) as OptionKey[]) {
    const rule = attackOptionRules[key];
    if (rule === undefined) return `unknown attack option ${JSON.stringify(key)}`;
    const value = options[key];
    if (value === undefined) continue;
    if (!rule.valid(value)) return `${nameOf(key)} must be ${rule.expected}, got ${JSON.stringify(value)}`;
  }
  return null;
}

export function resolveAttackOptions(options: Partial<AttackOptions> | undefined): AttackOptions {
  const resolved = { ...defaultAttackOptions };
  for (const key of Object.keys(options ?? {}) as OptionKey[]) {
    const value = options?.[key];
    if (value !== undefined) (resolved as Record<OptionKey, number | boolean>)[key] = value;
  }
  const problem = attackOptionsProblem(resolved);
  if (problem) throw new Error(problem);
  return resolved;
}

/** The options each attack reads: the run's record of them (config.attackOptions, run.json). */
export const attackOptionKeys: Record<AttackName, readonly OptionKey[]> = {
  'fgm-line': ['refine'],
  deepfool: [],
  ddn: ['steps', 'ddnGamma', 'ddnInitEps'],
  fmn: ['steps', 'fmnAlpha', 'fmnAlphaFinal', 'fmnGamma', 'fmnGammaFinal'],
  best: ['refine', 'steps', 'ddnGamma', 'ddnInitEps', 'fmnAlpha', 'fmnAlphaFinal', 'fmnGamma', 'fmnGammaFinal', 'randomPerAttack'],
};

/** The resolved options `attack` reads, and only those (so a change to another attack's option does not block a resume). */
export function attackOptionsOf(attack: AttackName, options: Partial<AttackOptions> | undefined): Partial<AttackOptions> {
  const resolved = resolveAttackOptions(options);
  const relevant: Partial<AttackOptions> = {};
  for (const key of attackOptionKeys[attack]) (relevant as Record<OptionKey, number | boolean>)[key] = resolved[key];
  return relevant;
}
