import type { Classifier, MarginGradients } from '../classifier';
import type { LossKind } from '../../protocol/report';
import { l2Norm } from '../norms';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';
import { bisectFlippingScale, firstFlippingGridStep, flipsAt, gridScale, type Ray } from './line-search';
import { failedOutcome, foundOutcome, unitDirection as unit, type FailedOutcome as Failure } from './outcome';

export interface DeepFoolOptions {
  /** Relative overshoot η: an iterate r is tested at x + (1 + η)·r (the DeepFool paper: 0.02). */
  overshoot: number;
  /** Linearisation steps (margin gradients) per image, over the first walk and the projections. */
  maxIterations: number;
  /** Classes besides the label whose boundaries are linearised: the closest by logit margin at x. */
  candidates: number;
  /** Tangent projections tried after the first walk; each is kept only if it shrinks ε*. */
  projections: number;
}

export const defaultDeepFoolOptions: DeepFoolOptions = {
  overshoot: 0.02,
  maxIterations: 50,
  candidates: 10,
  projections: 5,
};

/** Steps of the grid scanned up to maxEps when a linearised boundary lies beyond it. */
const farBoundarySteps = 32;

/** Added to |margin| so a step lands past a boundary the float32 margin puts exactly on it. */
const marginSlack = 1e-4;

/** A projection counts as progress only when it shrinks ε* by more than this fraction. */
const minimumGain = 1e-3;

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
 *  2. Refine: shrink r along its own direction to the smallest flipping scale (the shared
 *     bisection, line-search.ts), so ε* = ‖δ*‖₂ with δ* = ε*·r/‖r‖ — the ε* the random stage scales by α.
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
      return failedOutcome('the model gives no logit margin gradient (needed by deepfool)', null, null);
    }
    settings.onStage?.('gradient');
    const search = await DeepFoolSearch.start(classifier, x, label, settings, this.options);
    const best = await search.find();
    if ('reason' in best) return best;
    if (best.eps > settings.maxEps) return failedOutcome(`no flip within maxEps=${settings.maxEps}`, search.loss, best.direction);
    return foundOutcome(x, best.direction, best.eps, search.loss, settings.clip);
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
          const grid = { lower: 0, upper: settings.maxEps, steps: farBoundarySteps };
          const step = await firstFlippingGridStep(this.ray(direction), grid, farBoundarySteps);
          if (step !== null) return { direction, flipping: gridScale(grid, step) };
          return failedOutcome(`no flip within maxEps=${settings.maxEps}`, loss, direction);
        }
        const flipping = (1 + this.options.overshoot) * norm;
        if (await this.flipsAt(direction, flipping)) return { direction, flipping };
      } else if (steps > 0) {
        return failedOutcome('every deepfool step leaves [0,1] and is clipped away', loss, null);
      }
      if (this.gradientsLeft === 0) {
        return failedOutcome(`deepfool found no flip in ${this.options.maxIterations} iterations`, loss, norm > 0 ? unit(total) : null);
      }
      const point = Float32Array.from(total, (value, i) => x[i] + value);
      this.gradientsLeft--;
      const { margins, gradients } = await marginGradientsOf(this.classifier, point, this.label, this.others);
      const nearest = nearestLinearBoundary(margins, gradients, this.others, x.length);
      if (nearest === 'non-finite') return failedOutcome('non-finite gradient', loss, null);
      if (nearest === null) {
        const reason = steps === 0 ? 'zero gradient of the logit margin' : `zero gradient of the logit margin after ${steps} steps`;
        return failedOutcome(reason, loss, norm > 0 ? unit(total) : null);
      }
      const factor = -(Math.abs(nearest.margin) + marginSlack) / (nearest.norm * nearest.norm);
      for (let i = 0; i < total.length; i++) {
        total[i] += factor * nearest.gradient[i];
        // With clipping the iterate stays a valid image: project x + r back into [0, 1].
        if (settings.clip) total[i] = Math.min(1, Math.max(0, x[i] + total[i])) - x[i];
      }
    }
  }

  /** The smallest flipping scale t ≤ `flipping` along the direction, bisected (line-search.ts). */
  private async refine({ direction, flipping }: { direction: Float32Array; flipping: number }): Promise<Found> {
    return { eps: await bisectFlippingScale(this.ray(direction), 0, flipping), direction };
  }

  private ray(direction: Float32Array): Ray {
    return { classifier: this.classifier, x: this.x, label: this.label, direction, clip: this.settings.clip };
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
    const [flips] = await flipsAt(this.ray(direction), Float32Array.of(scale));
    return flips;
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

function validateDeepFoolOptions(options: DeepFoolOptions): void {
  if (!(options.overshoot >= 0) || !Number.isFinite(options.overshoot)) {
    throw new Error(`overshoot must be a non-negative number, got ${options.overshoot}`);
  }
  for (const key of ['maxIterations', 'candidates'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`${key} must be a positive integer, got ${options[key]}`);
  }
  if (!Number.isInteger(options.projections) || options.projections < 0) {
    throw new Error(`projections must be a non-negative integer, got ${options.projections}`);
  }
}
