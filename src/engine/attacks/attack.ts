import type { Classifier } from '../classifier';
import type { LossKind, Norms } from '../../protocol/report';
import type { AttackName } from './names';
import type { AttackOptions } from './options';

/** Where an attack is within one image (a subset of the worker's `Stage`). */
export type AttackStage = 'gradient' | 'line-search';

export interface AttackSettings {
  /** Number of equally spaced line-search steps (the paper: 256). */
  scales: number;
  /** Largest L2 step, pixel units. */
  maxEps: number;
  /** Clip perturbed images to [0, 1]. */
  clip: boolean;
  /** Line-search steps per forward batch; the search stops after the first chunk that flips. */
  lineSearchChunk?: number;
  /** Budgets and schedules of the iterative attacks (defaults: `defaultAttackOptions`). */
  options?: Partial<AttackOptions>;
  /** Told when the attack enters a stage. */
  onStage?: (stage: AttackStage) => void;
}

export type AttackOutcome =
  | {
      found: true;
      /** Smallest flipping L2 step ε*. */
      eps: number;
      /** Unit-L2 attack direction v. */
      direction: Float32Array;
      loss: LossKind;
      /** Norms of the adversarial perturbation (of the clipped one when clipping). */
      perturbation: Norms;
      /** Set by `best`: the attack whose perturbation this is. */
      winner?: AttackName;
      /** Set by `best`: ε* of every attack it ran, null where one found no flip. */
      attacks?: Partial<Record<AttackName, number | null>>;
    }
  | { found: false; reason: string; loss: LossKind | null; direction: Float32Array | null };

/** One adversarial attack; each lives in its own module under attacks/. */
export interface Attack {
  readonly name: string;
  run(classifier: Classifier, x: Float32Array, label: number, settings: AttackSettings): Promise<AttackOutcome>;
}

export function validateAttackSettings(settings: AttackSettings): void {
  if (!Number.isInteger(settings.scales) || settings.scales < 1) {
    throw new Error(`scales must be a positive integer, got ${settings.scales}`);
  }
  if (!(settings.maxEps > 0) || !Number.isFinite(settings.maxEps)) {
    throw new Error(`maxEps must be a positive number, got ${settings.maxEps}`);
  }
  const chunk = settings.lineSearchChunk;
  if (chunk !== undefined && (!Number.isInteger(chunk) || chunk < 1)) {
    throw new Error(`lineSearchChunk must be a positive integer, got ${chunk}`);
  }
}
