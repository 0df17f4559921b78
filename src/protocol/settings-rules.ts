/**
 * The one rule each run setting's value obeys (src/protocol/settings.ts declares them), and
 * `settingsProblem`, which the CLI's arguments, the extension's settings and the worker's `init`
 * all check with. Pure.
 */
import { attackNames, isAttackName } from '../engine/attacks/names';
import { attackOptionRules, attackOptionsProblem, type AttackOptions } from '../engine/attacks/options';
import { minimumRareEventBudget } from '../engine/rare-event/estimate';
import { isPreprocessPreset, preprocessPresets, type Preprocessing } from './preprocessing';
import { backendChoices, forwardChoices } from './report';
import { settingName, type SettingKey, type SettingNaming } from './settings';

/** One value's problem as "<name> must be …, got …", or null. */
type Rule = (value: unknown, name: string, naming: SettingNaming) => string | null;

const shown = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value));
const isPositiveInteger = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 1;
const isPositiveNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

const rule =
  (valid: (value: unknown) => boolean, expected: string): Rule =>
  (value, name) =>
    valid(value) ? null : `${name} must be ${expected}, got ${shown(value)}`;

const positiveInteger = rule(isPositiveInteger, 'a positive integer');
const nonNegativeInteger = rule((value) => Number.isSafeInteger(value) && (value as number) >= 0, 'a non-negative integer');
const positiveNumber = rule(isPositiveNumber, 'a positive number');
const booleanValue = rule((value) => typeof value === 'boolean', 'true or false');
const oneOf = (choices: readonly string[]): Rule => rule((value) => typeof value === 'string' && choices.includes(value), `one of ${choices.join(', ')}`);

const alphaList: Rule = (value, name) => {
  if (!Array.isArray(value) || value.length === 0) return `${name} needs at least one value`;
  const bad = value.find((alpha) => !isPositiveNumber(alpha));
  if (bad !== undefined) return `${name} values must be positive numbers, got ${shown(bad)}`;
  if (new Set(value).size !== value.length) return `${name} lists a value twice`;
  return null;
};

const attackOptionsRule: Rule = (value, _name, naming) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `attack options must be an object, got ${shown(value)}`;
  const nameOf = (key: keyof AttackOptions) => (naming === 'flag' ? attackOptionRules[key].flag : naming === 'setting' ? `robustnessLens.${key}` : key);
  return attackOptionsProblem(value as Partial<AttackOptions>, nameOf);
};

const finiteList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));

const preprocessingRule: Rule = (value, name) => {
  const given = value as Partial<Preprocessing> | null;
  if (typeof given !== 'object' || given === null || !isPreprocessPreset(given.preset)) return `${name} must be one of ${preprocessPresets.join(', ')}, got ${shown(given?.preset ?? value)}`;
  if (given.mean !== undefined && !finiteList(given.mean)) return `${name}'s means must be numbers, got ${shown(given.mean)}`;
  if (given.std !== undefined && !(finiteList(given.std) && given.std.every((v) => v !== 0))) return `${name}'s standard deviations must be non-zero numbers, got ${shown(given.std)}`;
  return null;
};

/** The one rule of every setting: the CLI, the extension's settings and the worker all check with these. */
export const settingRules: Record<SettingKey, Rule> = {
  attack: rule(isAttackName, `one of ${attackNames.join(', ')}`),
  attackOptions: attackOptionsRule,
  alphas: alphaList,
  samples: positiveInteger,
  scales: positiveInteger,
  maxEps: positiveNumber,
  seed: nonNegativeInteger,
  clip: booleanValue,
  rareEvent: booleanValue,
  rareEventBudget: rule((value) => Number.isSafeInteger(value) && (value as number) >= minimumRareEventBudget, `an integer of at least ${minimumRareEventBudget} forward passes`),
  backend: oneOf(backendChoices),
  forward: oneOf(forwardChoices),
  preprocessing: preprocessingRule,
  limit: positiveInteger,
  sample: positiveInteger,
  workers: positiveInteger,
  batchMemoryMb: positiveNumber,
  details: nonNegativeInteger,
  universalityTargets: positiveInteger,
};

const settingKeys = Object.keys(settingRules) as SettingKey[];

/**
 * The first problem with the settings given (absent or undefined ones are not checked), as one line
 * naming the flag, the VS Code setting or the field, or null. Pure.
 */
export function settingsProblem(values: { readonly [K in SettingKey]?: unknown }, naming: SettingNaming): string | null {
  for (const key of settingKeys) {
    const value = values[key];
    if (value === undefined) continue;
    const problem = settingRules[key](value, settingName(key, naming), naming);
    if (problem) return problem;
  }
  return null;
}
