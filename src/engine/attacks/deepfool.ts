import type { Classifier, MarginGradients } from '../classifier';
import type { LossKind } from '../../protocol/report';
import { clippedPerturbationNorms, l1Norm, l2Norm, linfNorm } from '../norms';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';

export interface DeepFoolOptions {
  /** Relative overshoot η: an iterate r is tested at x + (1 + η)·r (the DeepFool paper: 0.02). */
  overshoot: number;
  /** Linearisation steps (margin gradients) per image, over the first walk and the projections. */
  maxIterations: number;
  /** Classes besides the label whose boundaries are linearised: the closest by logit margin at x. */
  candidates: number;
  /** Tangent projections tried after the first walk; each is kept only if it shrinks ε*. */
  projections: number;
  /** Points per round of the refinement along a found perturbation. */
  refineSteps: number;
  /** Rounds of the refinement; each narrows the flipping scale by refineSteps. */
  refineRounds: number;
}

export const defaultDeepFoolOptions: DeepFoolOptions = {
  overshoot: 0.02,
  maxIterations: 50,
  candidates: 10,
  projections: 5,
  refineSteps: 32,
  refineRounds: 3,
};

/** Added to |margin| so a step lands past a boundary the float32 margin puts exactly on it. */
const marginSlack = 1e-4;

/** A projection counts as progress only when it shrinks ε* by more than this fraction. */
const minimumGain = 1e-3;

type Failure = Extract<AttackOutcome, { found: false }>;

/** A flipping perturbation: x + eps·direction leaves the label, x + t·direction for the scanned t < eps does not. */
interface Found {
  eps: number;
  /** Unit L2. */
  direction: Float32Array;
}

/**
 * DeepFool in its L2 form (Moosavi-Dezfooli et al., 2016), a stronger attack than the paper's:
 * it finds smaller flipping perturbations on non-linear models and the same one on linear models.
 *  1. Walk: each step linearises the logit margins z_label − z_k of the candidate classes at the
 *     current point and moves onto the nearest linearised boundary, until the overshoot
 *     (1 + η)·r of the iterate r flips the prediction.
 *  2. Refine: shrink r along its own direction to the smallest flipping scale (rounds of a grid
 *     search), so ε* = ‖δ*‖₂ with δ* = ε*·r/‖r‖ — the ε* the random stage scales by α.
 *  3. Project (as in SuperDeepFool, Abdollahzadeh et al., 2023): the nearest boundary point is
 *     where δ is normal to the boundary, so move the start onto the tangent plane at x + δ*, walk
 *     and refine again, and keep the result while ε* shrinks.
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
    const search = await DeepFoolSearch.start(classifier, x, label, settings, this.options);
    const best = await search.find();
    if ('reason' in best) return best;
    if (best.eps > settings.maxEps) {
      return { found: false, reason: `no flip within maxEps=${settings.maxEps}`, loss: search.loss, direction: best.direction };
    }
    const { eps, direction } = best;
    const perturbation = settings.clip
      ? clippedPerturbationNorms(x, direction, eps)
      : { l2: eps, l1: eps * l1Norm(direction), linf: eps * linfNorm(direction) };
    return { found: true, eps, direction, loss: search.loss, perturbation };
  }
}

/** One image's DeepFool search, with its budget of margin gradients. */
class DeepFoolSearch {
  private gradientsLeft: number;

  private constructor(
    private readonly classifier: Classifier,
    private readonly x: Float32Array,
    private readonly label: number,
    private readonly settings: AttackSettings,
    private readonly options: DeepFoolOptions,
    /** The candidate classes, closest first. */
    private readonly others: readonly number[],
    readonly loss: LossKind,
  ) {
    this.gradientsLeft = options.maxIterations;
  }

  static async start(
    classifier: Classifier,
    x: Float32Array,
    label: number,
    settings: AttackSettings,
    options: DeepFoolOptions,
  ): Promise<DeepFoolSearch> {
    const atStart = await marginGradientsOf(classifier, x, label, []);
    const others = closestClasses(atStart.margins, label, options.candidates);
    return new DeepFoolSearch(classifier, x, label, settings, options, others, atStart.loss);
  }

  /** Walk and refine, then project while that shrinks ε*. */
  async find(): Promise<Found | Failure> {
    const walked = await this.walk(new Float64Array(this.x.length));
    if ('reason' in walked) return walked;
    this.settings.onStage?.('line-search');
    let best = await this.refine(walked);
    for (let projection = 0; projection < this.options.projections && this.gradientsLeft > 0; projection++) {
      this.settings.onStage?.('gradient');
      const start = await this.tangentProjection(best);
      if (start === null) break;
      const next = await this.walk(start);
      if ('reason' in next) break;
      this.settings.onStage?.('line-search');
      const refined = await this.refine(next);
      const progress = refined.eps < best.eps * (1 - minimumGain);
      if (refined.eps < best.eps) best = refined;
      if (!progress) break;
    }
    return best;
  }

  /**
   * DeepFool steps from x + start until the overshoot of the iterate flips: the iterate's unit
   * direction and the flipping overshoot scale, or why there is none.
   */
  private async walk(start: Float64Array): Promise<{ direction: Float32Array; flipping: number } | Failure> {
    const { x, settings, loss } = this;
    const total = start;
    for (let steps = 0; ; steps++) {
      const norm = l2Norm(total);
      if (norm > 0) {
        const direction = unit(total);
        if (norm > settings.maxEps) {
          // A far linearised boundary: the real one may still cross this line within maxEps.
          const step = await this.firstFlippingStep(direction, 0, settings.maxEps);
          if (step > 0) return { direction, flipping: (step * settings.maxEps) / this.options.refineSteps };
          return { found: false, reason: `no flip within maxEps=${settings.maxEps}`, loss, direction };
        }
        const flipping = (1 + this.options.overshoot) * norm;
        if (await this.flipsAt(direction, flipping)) return { direction, flipping };
      } else if (steps > 0) {
        return { found: false, reason: 'every deepfool step leaves [0,1] and is clipped away', loss, direction: null };
      }
      if (this.gradientsLeft === 0) {
        return { found: false, reason: `deepfool found no flip in ${this.options.maxIterations} iterations`, loss, direction: norm > 0 ? unit(total) : null };
      }
      const point = Float32Array.from(total, (value, i) => x[i] + value);
      this.gradientsLeft--;
      const { margins, gradients } = await marginGradientsOf(this.classifier, point, this.label, this.others);
      const nearest = nearestLinearBoundary(margins, gradients, this.others, x.length);
      if (nearest === 'non-finite') return { found: false, reason: 'non-finite gradient', loss, direction: null };
      if (nearest === null) {
        const reason = steps === 0 ? 'zero gradient of the logit margin' : `zero gradient of the logit margin after ${steps} steps`;
        return { found: false, reason, loss, direction: norm > 0 ? unit(total) : null };
      }
      const factor = -(Math.abs(nearest.margin) + marginSlack) / (nearest.norm * nearest.norm);
      for (let i = 0; i < total.length; i++) {
        total[i] += factor * nearest.gradient[i];
        // With clipping the iterate stays a valid image: project x + r back into [0, 1].
        if (settings.clip) total[i] = Math.min(1, Math.max(0, x[i] + total[i])) - x[i];
      }
    }
  }

  /**
   * The smallest scale t ≤ `flipping` at which x + t·direction leaves the label, to a relative
   * precision of refineSteps^−refineRounds: each round scans the bracket (lower, upper] at
   * refineSteps equally spaced points in one batch and keeps the step holding the first flip.
   */
  private async refine({ direction, flipping }: { direction: Float32Array; flipping: number }): Promise<Found> {
    const steps = this.options.refineSteps;
    let lower = 0;
    let upper = flipping;
    for (let round = 0; round < this.options.refineRounds; round++) {
      const width = (upper - lower) / steps;
      const step = await this.firstFlippingStep(direction, lower, upper);
      // Float rounding may keep the flip only at `upper` itself, as first found.
      if (step < 0) {
        lower += (steps - 1) * width;
        continue;
      }
      // The same expression as the scanned scale, so ε* is exactly what was seen to flip.
      upper = lower + step * width;
      lower += (step - 1) * width;
    }
    return { eps: upper, direction };
  }

  /** The first j in 1..refineSteps whose x + (lower + j·(upper − lower)/refineSteps)·direction flips, or −1. */
  private async firstFlippingStep(direction: Float32Array, lower: number, upper: number): Promise<number> {
    const steps = this.options.refineSteps;
    const width = (upper - lower) / steps;
    const scales = Float32Array.from({ length: steps }, (_, j) => lower + (j + 1) * width);
    const predictions = await this.classifier.predictPerturbed(this.x, direction, 1, scales, this.settings.clip);
    const first = predictions.findIndex((predicted) => predicted !== this.label);
    return first < 0 ? -1 : first + 1;
  }

  /**
   * The start on the tangent plane of the boundary at b = x + δ*: the projection of x onto
   * {y : g·(y − b) = 0}, (g·δ* / ‖g‖²)·g, with g the margin gradient of the nearest linearised
   * boundary at b. Null when the budget is spent or the gradient vanishes.
   */
  private async tangentProjection(best: Found): Promise<Float64Array | null> {
    if (this.gradientsLeft === 0) return null;
    const { x } = this;
    const delta = Float64Array.from(best.direction, (value) => best.eps * value);
    const boundary = Float32Array.from(delta, (value, i) => x[i] + value);
    this.gradientsLeft--;
    const { margins, gradients } = await marginGradientsOf(this.classifier, boundary, this.label, this.others);
    const nearest = nearestLinearBoundary(margins, gradients, this.others, x.length);
    if (nearest === null || nearest === 'non-finite') return null;
    let along = 0;
    for (let i = 0; i < delta.length; i++) along += nearest.gradient[i] * delta[i];
    const factor = along / (nearest.norm * nearest.norm);
    const start = Float64Array.from(nearest.gradient, (value) => factor * value);
    if (this.settings.clip) for (let i = 0; i < start.length; i++) start[i] = Math.min(1, Math.max(0, x[i] + start[i])) - x[i];
    return start;
  }

  private async flipsAt(direction: Float32Array, scale: number): Promise<boolean> {
    const [predicted] = await this.classifier.predictPerturbed(this.x, direction, 1, Float32Array.of(scale), this.settings.clip);
    return predicted !== this.label;
  }
}

function marginGradientsOf(classifier: Classifier, x: Float32Array, label: number, others: readonly number[]): Promise<MarginGradients> {
  return (classifier.marginGradients as NonNullable<Classifier['marginGradients']>).call(classifier, x, label, others);
}

/** Up to `count` classes other than `label`, the smallest margin z_label − z_k first. */
function closestClasses(margins: Float32Array, label: number, count: number): number[] {
  const others: number[] = [];
  for (let k = 0; k < margins.length; k++) if (k !== label) others.push(k);
  others.sort((a, b) => margins[a] - margins[b] || a - b);
  return others.slice(0, count);
}

/**
 * The candidate whose linearised boundary m_k + g_k·r = 0 is nearest (smallest |m_k|/‖g_k‖),
 * with its margin, gradient and gradient norm. Null when every candidate's gradient is zero.
 */
function nearestLinearBoundary(
  margins: Float32Array,
  gradients: Float32Array,
  others: readonly number[],
  d: number,
): { margin: number; gradient: Float32Array; norm: number } | null | 'non-finite' {
  let nearest: { margin: number; gradient: Float32Array; norm: number } | null = null;
  let nearestDistance = Infinity;
  for (let row = 0; row < others.length; row++) {
    const gradient = gradients.subarray(row * d, (row + 1) * d);
    const norm = l2Norm(gradient);
    const margin = margins[others[row]];
    if (!Number.isFinite(norm) || !Number.isFinite(margin)) return 'non-finite';
    if (norm === 0) continue;
    const distance = Math.abs(margin) / norm;
    if (distance < nearestDistance) {
      nearest = { margin, gradient, norm };
      nearestDistance = distance;
    }
  }
  return nearest;
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
  if (!Number.isInteger(options.projections) || options.projections < 0) {
    throw new Error(`projections must be a non-negative integer, got ${options.projections}`);
  }
  if (!Number.isInteger(options.refineSteps) || options.refineSteps < 2) {
    throw new Error(`refineSteps must be an integer of at least 2, got ${options.refineSteps}`);
  }
}
