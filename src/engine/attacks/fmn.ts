import type { Classifier, MarginGradients } from '../classifier';
import { l2Norm } from '../norms';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';
import { cosineAnnealed, iterateImage, keepInBox, normCeiling, rescale, SmallestFlip } from './iterate';
import { resolveAttackOptions } from './options';
import { failedOutcome, outcomeAlong, unitDirection } from './outcome';

/**
 * Added to |L| in the boundary estimate: on a flat boundary the estimate lands exactly on it, where
 * the float32 margin may stay ≥ 0 step after step (deepfool.ts adds the same). The final bisection
 * removes the overshoot.
 */
const marginSlack = 1e-4;

/**
 * Fast Minimum-Norm attack (Pintor et al., NeurIPS 2021, Algorithm 1), L2, untargeted, on the
 * logit margin L = z_y − max_{j≠y} z_j (negative once x + δ is adversarial). From δ₀ = 0, step k:
 *  - g = −∇L(x + δ) (towards the boundary), with α_k and γ_k cosine-annealed from α₀, γ₀ to their finals;
 *  - the norm constraint ε_k (Algorithm 1, the ε update):
 *      adversarial:               ε_k = min(ε_{k−1}·(1 − γ_k), ‖δ*‖₂)  (δ* the smallest adversarial iterate),
 *      not yet, none found:       ε_k = ‖δ‖₂ + |L|/‖∇L‖₂                (the linearised distance to the boundary, + marginSlack),
 *      not yet, one found before: ε_k = ε_{k−1}·(1 + γ_k), capped by maxEps;
 *  - δ ← δ + α_k·g/‖g‖₂ (the gradient step), then the projection onto the ε_k-ball δ ← δ·min(1, ε_k/‖δ‖₂),
 *    then clip(x + δ, 0, 1) − x only with --clip.
 * δ* is returned, its ε* bisected along its own direction. Deterministic: it starts at x.
 */
export class FmnAttack implements Attack {
  readonly name = 'fmn';

  async run(classifier: Classifier, x: Float32Array, label: number, settings: AttackSettings): Promise<AttackOutcome> {
    validateAttackSettings(settings);
    const options = resolveAttackOptions(settings.options);
    const { steps } = options;
    if (x.length !== classifier.dimension) {
      throw new Error(`image has ${x.length} values, the model expects ${classifier.dimension}`);
    }
    if (!classifier.marginGradients) return failedOutcome('the model gives no logit margin gradient (needed by fmn)', null, null);
    settings.onStage?.('gradient');
    const margins = new RunnerUpMargin(classifier, label);
    const ceiling = normCeiling(x, settings.maxEps, settings.clip);
    const delta = new Float64Array(x.length);
    const point = new Float32Array(x.length);
    const smallest = new SmallestFlip();
    let eps = Infinity;
    let loss: MarginGradients['loss'] | null = null;
    for (let k = 0; k <= steps; k++) {
      const norm = l2Norm(delta);
      const at = await margins.at(iterateImage(x, delta, point));
      loss ??= at.loss;
      smallest.offer(delta, norm, at.adversarial);
      if (k === steps) break;
      const gradientNorm = l2Norm(at.gradient);
      if (!(gradientNorm > 0) || !Number.isFinite(gradientNorm) || !Number.isFinite(at.margin)) {
        if (k > 0) break;
        const reason = Number.isFinite(gradientNorm) && Number.isFinite(at.margin) ? 'zero gradient of the logit margin' : 'non-finite gradient';
        return failedOutcome(reason, at.loss, null);
      }
      const gamma = cosineAnnealed(options.fmnGamma, options.fmnGammaFinal, k, steps);
      const stepSize = cosineAnnealed(options.fmnAlpha, options.fmnAlphaFinal, k, steps);
      if (at.adversarial) eps = Math.min(eps * (1 - gamma), smallest.norm);
      else if (smallest.delta !== null) eps = eps * (1 + gamma);
      else eps = norm + (Math.abs(at.margin) + marginSlack) / gradientNorm;
      eps = Math.min(eps, ceiling);
      // The margin falls along −∇L.
      for (let i = 0; i < delta.length; i++) delta[i] -= (stepSize * at.gradient[i]) / gradientNorm;
      if (l2Norm(delta) > eps) rescale(delta, eps);
      if (settings.clip) keepInBox(x, delta);
    }
    const lossKind = loss as MarginGradients['loss'];
    if (smallest.delta === null) {
      return failedOutcome(`fmn found no flip within maxEps=${settings.maxEps} in ${steps} steps`, lossKind, l2Norm(delta) > 0 ? unitDirection(delta) : null);
    }
    settings.onStage?.('line-search');
    return outcomeAlong(classifier, x, label, smallest.delta, lossKind, settings, 'fmn');
  }
}

/**
 * The logit margin against the runner-up class j = argmax_{k≠y} z_k, and its gradient, with one
 * margin-gradient call per step while the runner-up stays the same (a second when it changes).
 */
class RunnerUpMargin {
  private runnerUp: number | null = null;

  constructor(
    private readonly classifier: Classifier,
    private readonly label: number,
  ) {}

  async at(point: Float32Array): Promise<{ margin: number; gradient: Float32Array; adversarial: boolean; loss: MarginGradients['loss'] }> {
    const marginGradients = this.classifier.marginGradients as NonNullable<Classifier['marginGradients']>;
    if (this.runnerUp === null) this.runnerUp = runnerUpOf((await marginGradients.call(this.classifier, point, this.label, [])).margins, this.label);
    let result = await marginGradients.call(this.classifier, point, this.label, [this.runnerUp]);
    const runnerUp = runnerUpOf(result.margins, this.label);
    if (runnerUp !== this.runnerUp) {
      this.runnerUp = runnerUp;
      result = await marginGradients.call(this.classifier, point, this.label, [runnerUp]);
    }
    const margin = result.margins[runnerUp];
    // argmax keeps the first of tied logits.
    const adversarial = margin < 0 || (margin === 0 && runnerUp < this.label);
    return { margin, gradient: result.gradients, adversarial, loss: result.loss };
  }
}

/** The class k ≠ label with the smallest margin z_label − z_k (the lowest index on a tie). */
function runnerUpOf(margins: Float32Array, label: number): number {
  let best = -1;
  for (let k = 0; k < margins.length; k++) {
    if (k !== label && (best < 0 || margins[k] < margins[best])) best = k;
  }
  return best;
}
