/**
 * The run's settings, declared once: their shape, their defaults (CONTRACT.md), the name each has
 * on the command line and in VS Code's settings, and the one rule each value obeys. The CLI's
 * arguments, the extension's settings, a check's options and the worker's `init` are views of
 * `RunSettings` (Pick<>), and `settingsProblem` (settings-rules.ts) is the only range check they run.
 */
import { defaultAttack, type AttackName } from '../engine/attacks/names';
import { defaultAttackOptions, type AttackOptions } from '../engine/attacks/options';
import type { Preprocessing } from './preprocessing';
import type { BackendChoice, ForwardChoice } from './report';

export interface RunSettings {
  /** The adversarial attack; 'fgm-line', the paper's, by default. */
  attack: AttackName;
  /** Budgets and schedules of ddn, fmn and best, and fgm-line's refine; unset ones keep their defaults. */
  attackOptions: Partial<AttackOptions>;
  /** Random-perturbation multiples of ε*. */
  alphas: number[];
  /** Random perturbations per image and α. */
  samples: number;
  /** Line-search steps. */
  scales: number;
  /** Largest L2 step of the line search, pixel units. */
  maxEps: number;
  /** Seed of the random perturbations. */
  seed: number;
  /** Clip perturbed images to [0, 1] (off: the paper's protocol). */
  clip: boolean;
  /** Estimate each α's flip probability far below 1/samples. */
  rareEvent: boolean;
  /** Forward passes per image and α for those estimates. */
  rareEventBudget: number;
  backend: BackendChoice;
  /** What runs the forward passes: ONNX Runtime where it can, TF.js, or auto. */
  forward: ForwardChoice;
  /** What the model expects of [0, 1] RGB pixels. */
  preprocessing: Preprocessing;
  /** Analyse only the first n images in sorted path order. */
  limit: number;
  /** Analyse n images spread evenly over the sorted order (after the limit). */
  sample: number;
  /** Worker processes. */
  workers: number;
  /** Memory budget of one forward batch per worker, MB. */
  batchMemoryMb: number;
  /** Susceptible images with a detail view in report.html. */
  details: number;
  /** Most targets sampled per class for universality. */
  universalityTargets: number;
}

export type SettingKey = keyof RunSettings;

/** The defaults of CONTRACT.md's command line, also the extension's (package.json). */
export const settingDefaults = {
  attack: defaultAttack,
  attackOptions: defaultAttackOptions,
  alphas: [1, 2, 5, 10],
  samples: 2000,
  scales: 256,
  maxEps: 10,
  seed: 0,
  clip: false,
  backend: 'auto' as BackendChoice,
  forward: 'auto' as ForwardChoice,
  rareEvent: false,
  rareEventBudget: 20_000,
  batchMemoryMb: 256,
  details: 24,
} satisfies Partial<RunSettings>;

/** How a setting is named where it was given: a CLI flag, a VS Code setting, or the field itself (the worker's `init`). */
export type SettingNaming = 'flag' | 'setting' | 'key';

/** Each setting's flag and VS Code setting (null: the extension has none). */
export const settingNames: Record<SettingKey, { flag: string; setting: string | null }> = {
  attack: { flag: '--attack', setting: 'robustnessLens.attack' },
  attackOptions: { flag: '--steps', setting: null },
  alphas: { flag: '--alphas', setting: 'robustnessLens.alphas' },
  samples: { flag: '--samples', setting: 'robustnessLens.samples' },
  scales: { flag: '--scales', setting: 'robustnessLens.scales' },
  maxEps: { flag: '--max-eps', setting: 'robustnessLens.maxEps' },
  seed: { flag: '--seed', setting: 'robustnessLens.seed' },
  clip: { flag: '--clip', setting: 'robustnessLens.clip' },
  rareEvent: { flag: '--rare-event', setting: 'robustnessLens.rareEvent' },
  rareEventBudget: { flag: '--rare-event-budget', setting: 'robustnessLens.rareEventBudget' },
  backend: { flag: '--backend', setting: 'robustnessLens.backend' },
  forward: { flag: '--forward', setting: 'robustnessLens.forward' },
  preprocessing: { flag: '--preprocess', setting: 'robustnessLens.preprocess' },
  limit: { flag: '--limit', setting: 'robustnessLens.limit' },
  sample: { flag: '--sample', setting: null },
  workers: { flag: '--workers', setting: 'robustnessLens.workers' },
  batchMemoryMb: { flag: '--batch-mb', setting: 'robustnessLens.batchMemoryMb' },
  details: { flag: '--details', setting: 'robustnessLens.detailImages' },
  universalityTargets: { flag: '--universality-targets', setting: null },
};

/** The name of `key` as the user gave it. */
export function settingName(key: SettingKey, naming: SettingNaming): string {
  return naming === 'key' ? key : naming === 'flag' ? settingNames[key].flag : (settingNames[key].setting ?? key);
}

