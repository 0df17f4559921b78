/** The one place an attack's result is assembled: ε*, its direction, and the perturbation's norms. */
import type { LossKind } from '../../protocol/report';
import type { Classifier } from '../classifier';
import { clippedPerturbationNorms, l1Norm, l2Norm, linfNorm } from '../norms';
import type { AttackOutcome } from './attack';
import { bisectFlippingScale, flippingScaleFrom, type Ray } from './line-search';

export type FoundOutcome = Extract<AttackOutcome, { found: true }>;
export type FailedOutcome = Extract<AttackOutcome, { found: false }>;

/**
 * The outcome of a flip at x + eps·direction: the perturbation's norms are those of the clipped
 * perturbation clip(x + eps·v, 0, 1) − x when clipping, else eps·‖v‖ (‖v‖₂ = 1).
 */
export function foundOutcome(x: Float32Array, direction: Float32Array, eps: number, loss: LossKind, clip: boolean): FoundOutcome {
  const perturbation = clip
    ? clippedPerturbationNorms(x, direction, eps)
    : { l2: eps, l1: eps * l1Norm(direction), linf: eps * linfNorm(direction) };
  return { found: true, eps, direction, loss, perturbation };
}

export function failedOutcome(reason: string, loss: LossKind | null, direction: Float32Array | null): FailedOutcome {
  return { found: false, reason, loss, direction };
}

/** δ/‖δ‖₂ as float32; `norm` when the caller has ‖δ‖₂ already. */
export function unitDirection(delta: ArrayLike<number>, norm = l2Norm(delta)): Float32Array {
  return Float32Array.from(delta, (value) => value / norm);
}

/**
 * The outcome of an iterative attack's smallest flipping perturbation δ (seen to flip at x + δ):
 * ε* bisected along δ/‖δ‖ to the line search's tolerance, refused beyond maxEps.
 */
export async function outcomeAlong(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  delta: ArrayLike<number>,
  loss: LossKind,
  settings: { maxEps: number; clip: boolean },
  attack: string,
): Promise<AttackOutcome> {
  const direction = unitDirection(delta);
  const ray: Ray = { classifier, x, label, direction, clip: settings.clip };
  const flipping = await flippingScaleFrom(ray, l2Norm(delta));
  if (flipping === null) return failedOutcome(`${attack}'s flip did not hold along its own direction`, loss, direction);
  const eps = await bisectFlippingScale(ray, 0, flipping);
  if (eps > settings.maxEps) return failedOutcome(`no flip within maxEps=${settings.maxEps}`, loss, direction);
  return foundOutcome(x, direction, eps, loss, settings.clip);
}
