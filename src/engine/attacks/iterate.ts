/** What DDN and FMN share: the iterate x + δ, its norm ceiling, and the cosine schedule. */
import { l2Norm } from '../norms';

/**
 * The cosine annealing both papers use, from `initial` at step 0 towards `final` at step `steps`:
 * final + (initial − final)·(1 + cos(π·k/steps))/2.
 */
export function cosineAnnealed(initial: number, final: number, k: number, steps: number): number {
  return final + ((initial - final) * (1 + Math.cos((Math.PI * k) / steps))) / 2;
}

/**
 * The largest norm an iterate may take: maxEps (no flip is counted beyond it) and, when clipping,
 * the farthest point of the box [0,1]^d from x, ‖max(x, 1 − x)‖₂ (adv_lib's `worst_norm`).
 */
export function normCeiling(x: Float32Array, maxEps: number, clip: boolean): number {
  if (!clip) return maxEps;
  return Math.min(maxEps, l2Norm(Float64Array.from(x, (value) => Math.max(value, 1 - value))));
}

/** The image x + δ as the model sees it (float32). */
export function iterateImage(x: Float32Array, delta: Float64Array, into: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) into[i] = x[i] + delta[i];
  return into;
}

/** δ ← clip(x + δ, 0, 1) − x: only with --clip (the paper's protocol does not clip). */
export function keepInBox(x: Float32Array, delta: Float64Array): void {
  for (let i = 0; i < x.length; i++) delta[i] = Math.min(1, Math.max(0, x[i] + delta[i])) - x[i];
}

/** δ ← δ·(radius/‖δ‖₂); δ = 0 stays 0. */
export function rescale(delta: Float64Array, radius: number): void {
  const norm = l2Norm(delta);
  if (norm === 0) return;
  const factor = radius / norm;
  for (let i = 0; i < delta.length; i++) delta[i] *= factor;
}

/** The smallest flipping iterate seen so far. */
export class SmallestFlip {
  delta: Float64Array | null = null;
  norm = Infinity;

  /** Keeps δ when it flips and is smaller than the one kept; true when kept. */
  offer(delta: Float64Array, norm: number, flips: boolean): boolean {
    if (!flips || !(norm < this.norm)) return false;
    this.delta = delta.slice();
    this.norm = norm;
    return true;
  }
}
