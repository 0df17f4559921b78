import type { Classifier, MarginGradients } from '../classifier';
import { clippedPerturbationNorms, l1Norm, l2Norm, linfNorm } from '../norms';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';

export interface DeepFoolOptions {
  /** Relative overshoot η: an iterate r is tested at x + (1 + η)·r (the DeepFool paper: 0.02). */
  overshoot: number;
  /** Linearisation steps before giving up. */
  maxIterations: number;
  /** Classes besides the label whose boundaries are linearised: the closest by logit margin at x. */
  candidates: number;
  /** Points per round of the final refinement along the found perturbation. */
  refineSteps: number;
  /** Rounds of the refinement; each narrows the flipping scale by refineSteps. */
  refineRounds: number;
}

export const defaultDeepFoolOptions: DeepFoolOptions = {
  overshoot: 0.02,
  maxIterations: 50,
  candidates: 10,
  refineSteps: 32,
  refineRounds: 3,
};

/** Added to |margin| so a step lands past a boundary the float32 margin puts exactly on it. */
const marginSlack = 1e-4;

/**
 * DeepFool in its L2 form (Moosavi-Dezfooli et al., 2016), a stronger attack than the paper's:
 * it finds a smaller flipping perturbation on non-linear models and the same one on linear models.
 * Each step linearises the logit margins z_label − z_k of the candidate classes at the current
 * point and moves onto the nearest linearised boundary; the first iterate r whose overshoot
 * (1 + η)·r flips is then shrunk along its own direction to the smallest flipping scale (rounds of
 * a grid search), so ε* = ‖δ*‖₂ with δ* = ε*·r/‖r‖ — which is what the random stage scales by α.
 */
export class DeepFoolAttack implements Attack {
  readonly name = 'deepfool';

  constructor(private readonly options: DeepFoolOptions = defaultDeepFoolOptions) {
    validateDeepFoolOptions(options);
  }

  async run(classifier: Classifier, x: Float32Array, label: number, settings: AttackSettings): Promise<AttackOutcome> {
    validateAttackSettings(settings);
    if (x.length !== classifier.dimension) {
      throw new Error(`image has ${x.length} values, the model expects ${classifier.dimension}`);
    }
    if (!classifier.marginGradients) {
      return { found: false, reason: 'the model gives no logit margin gradient (needed by deepfool)', loss: null, direction: null };
    }
    settings.onStage?.('gradient');
    const iterated = await this.iterate(classifier, x, label, settings);
    if (!iterated.found) return iterated;

    settings.onStage?.('line-search');
    const { direction, loss } = iterated;
    const eps = await smallestFlippingScale(classifier, x, label, direction, iterated.flippingScale, settings.clip, this.options);
    if (eps > settings.maxEps) {
      return { found: false, reason: `no flip within maxEps=${settings.maxEps}`, loss, direction };
    }
    const perturbation = settings.clip
      ? clippedPerturbationNorms(x, direction, eps)
      : { l2: eps, l1: eps * l1Norm(direction), linf: eps * linfNorm(direction) };
    return { found: true, eps, direction, loss, perturbation };
  }

  /**
   * The DeepFool iterations: the unit direction of the first iterate whose overshoot flips, and
   * that overshoot's L2 norm; or why there is none.
   */
  private async iterate(
    classifier: Classifier,
    x: Float32Array,
    label: number,
    settings: AttackSettings,
  ): Promise<
    | { found: true; direction: Float32Array; flippingScale: number; loss: MarginGradients['loss'] }
    | Extract<AttackOutcome, { found: false }>
  > {
    const marginGradients = (point: Float32Array, others: readonly number[]) =>
      (classifier.marginGradients as NonNullable<Classifier['marginGradients']>).call(classifier, point, label, others);
    const atStart = await marginGradients(x, []);
    const others = closestClasses(atStart.margins, label, this.options.candidates);
    const loss = atStart.loss;
    const d = x.length;
    const total = new Float64Array(d);
    let point = x;
    for (let iteration = 0; iteration < this.options.maxIterations; iteration++) {
      const { margins, gradients } = await marginGradients(point, others);
      const step = nearestLinearBoundary(margins, gradients, others, d);
      if (step === null) {
        const reason = iteration === 0 ? 'zero gradient of the logit margin' : `zero gradient of the logit margin after ${iteration} steps`;
        return { found: false, reason, loss, direction: iteration === 0 ? null : unit(total) };
      }
      if (step === 'non-finite') return { found: false, reason: 'non-finite gradient', loss, direction: null };
      for (let i = 0; i < d; i++) {
        total[i] += step[i];
        // With clipping the iterate stays a valid image: project x + r back into [0, 1].
        if (settings.clip) total[i] = Math.min(1, Math.max(0, x[i] + total[i])) - x[i];
      }
      const norm = l2Norm(total);
      if (norm === 0) return { found: false, reason: 'every deepfool step leaves [0,1] and is clipped away', loss, direction: null };
      const direction = unit(total);
      if (norm > settings.maxEps) return { found: false, reason: `no flip within maxEps=${settings.maxEps}`, loss, direction };
      const flippingScale = (1 + this.options.overshoot) * norm;
      const [predicted] = await classifier.predictPerturbed(x, direction, 1, Float32Array.of(flippingScale), settings.clip);
      if (predicted !== label) return { found: true, direction, flippingScale, loss };
      point = Float32Array.from(total, (value, i) => x[i] + value);
    }
    return {
      found: false,
      reason: `deepfool found no flip in ${this.options.maxIterations} iterations`,
      loss,
      direction: l2Norm(total) > 0 ? unit(total) : null,
    };
  }
}

/** Up to `count` classes other than `label`, the smallest margin z_label − z_k first. */
function closestClasses(margins: Float32Array, label: number, count: number): number[] {
  const others: number[] = [];
  for (let k = 0; k < margins.length; k++) if (k !== label) others.push(k);
  others.sort((a, b) => margins[a] - margins[b] || a - b);
  return others.slice(0, count);
}

/**
 * DeepFool's step for the current linearisation: for the candidate k with the smallest
 * |m_k|/‖g_k‖ (the nearest linearised boundary), r = −(|m_k| + slack)/‖g_k‖²·g_k, which lowers
 * the margin m_k = z_label − z_k to zero. Null when every candidate's gradient is zero.
 */
function nearestLinearBoundary(
  margins: Float32Array,
  gradients: Float32Array,
  others: readonly number[],
  d: number,
): Float64Array | null | 'non-finite' {
  let best = -1;
  let bestDistance = Infinity;
  let bestNorm = 0;
  for (let row = 0; row < others.length; row++) {
    const norm = l2Norm(gradients.subarray(row * d, (row + 1) * d));
    const margin = margins[others[row]];
    if (!Number.isFinite(norm) || !Number.isFinite(margin)) return 'non-finite';
    if (norm === 0) continue;
    const distance = Math.abs(margin) / norm;
    if (distance < bestDistance) {
      best = row;
      bestDistance = distance;
      bestNorm = norm;
    }
  }
  if (best < 0) return null;
  const gradient = gradients.subarray(best * d, (best + 1) * d);
  const factor = -(Math.abs(margins[others[best]]) + marginSlack) / (bestNorm * bestNorm);
  return Float64Array.from(gradient, (value) => factor * value);
}

/**
 * The smallest scale t ≤ `flipping` at which x + t·direction leaves `label`, to a relative
 * precision of refineSteps^−refineRounds: each round scans refineSteps − 1 equally spaced points
 * of the bracket (lower, upper] in one batch and keeps the step that holds the first flip.
 */
async function smallestFlippingScale(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  direction: Float32Array,
  flipping: number,
  clip: boolean,
  options: DeepFoolOptions,
): Promise<number> {
  let lower = 0;
  let upper = flipping;
  for (let round = 0; round < options.refineRounds; round++) {
    const width = (upper - lower) / options.refineSteps;
    const scales = Float32Array.from({ length: options.refineSteps - 1 }, (_, j) => lower + (j + 1) * width);
    const predictions = await classifier.predictPerturbed(x, direction, 1, scales, clip);
    const first = predictions.findIndex((predicted) => predicted !== label);
    const nextLower = first < 0 ? lower + (options.refineSteps - 1) * width : lower + first * width;
    if (first >= 0) upper = lower + (first + 1) * width;
    lower = nextLower;
  }
  return upper;
}

function unit(vector: Float64Array): Float32Array {
  const norm = l2Norm(vector);
  return Float32Array.from(vector, (value) => value / norm);
}

function validateDeepFoolOptions(options: DeepFoolOptions): void {
  if (!(options.overshoot >= 0) || !Number.isFinite(options.overshoot)) {
    throw new Error(`overshoot must be a non-negative number, got ${options.overshoot}`);
  }
  for (const key of ['maxIterations', 'candidates', 'refineRounds'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`${key} must be a positive integer, got ${options[key]}`);
  }
  if (!Number.isInteger(options.refineSteps) || options.refineSteps < 2) {
    throw new Error(`refineSteps must be an integer of at least 2, got ${options.refineSteps}`);
  }
}
