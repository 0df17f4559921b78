import type { LossKind } from '../../protocol/report';
import type { Classifier } from '../classifier';
import { l2Norm } from '../norms';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';
import { cosineAnnealed, iterateImage, keepInBox, normCeiling, rescale, SmallestFlip } from './iterate';
import { resolveAttackOptions } from './options';
import { failedOutcome, outcomeAlong, unitDirection } from './outcome';

/** DDN's step size α, cosine-annealed from 1 to 0.01 over the steps (Rony et al. 2019, Section 3; adv_lib). */
const initialStepSize = 1;
const finalStepSize = 0.01;

/**
 * Decoupled Direction and Norm (Rony et al., CVPR 2019, Algorithm 1), L2, untargeted. From δ₀ = 0
 * and ε₀ = ddnInitEps, step k:
 *  - g = ∇J(x + δ, y), the attack loss (cross-entropy; the logit for a sigmoid, Classifier.lossGradient);
 *  - δ ← δ + α_k·g/‖g‖₂ (Algorithm 1, the gradient step; α_k cosine-annealed);
 *  - ε ← (1 − γ)·ε if x + δ_{k−1} is adversarial, else (1 + γ)·ε (the norm update), capped by maxEps;
 *  - δ ← ε·δ/‖δ‖₂ (the projection onto the ε-sphere), then clip(x + δ, 0, 1) − x only with --clip.
 * The smallest adversarial iterate is kept; its ε* is bisected along its own direction. Deterministic:
 * it starts at x, and a vanishing gradient ends the walk instead of drawing a random one.
 */
export class DdnAttack implements Attack {
  readonly name = 'ddn';

  async run(classifier: Classifier, x: Float32Array, label: number, settings: AttackSettings): Promise<AttackOutcome> {
    validateAttackSettings(settings);
    const { steps, ddnGamma: gamma, ddnInitEps } = resolveAttackOptions(settings.options);
    if (x.length !== classifier.dimension) {
      throw new Error(`image has ${x.length} values, the model expects ${classifier.dimension}`);
    }
    settings.onStage?.('gradient');
    const ceiling = normCeiling(x, settings.maxEps, settings.clip);
    const delta = new Float64Array(x.length);
    const point = new Float32Array(x.length);
    const smallest = new SmallestFlip();
    let eps = Math.min(ddnInitEps, ceiling);
    let loss: LossKind | null = null;
    for (let k = 0; k <= steps; k++) {
      iterateImage(x, delta, point);
      const adversarial = (await classifier.predict(point, 1))[0] !== label;
      smallest.offer(delta, l2Norm(delta), adversarial);
      // The iterate after the last step is tested, not moved.
      if (k === steps) break;
      const gradient = await classifier.lossGradient(point, label);
      const gradientNorm = gradient === null ? 0 : l2Norm(gradient.gradient);
      if (gradient === null || !(gradientNorm > 0) || !Number.isFinite(gradientNorm)) {
        if (k > 0) break;
        const reason = gradient !== null && !Number.isFinite(gradientNorm) ? 'non-finite gradient' : 'zero gradient (saturated output)';
        return failedOutcome(reason, gradient?.loss ?? null, null);
      }
      loss ??= gradient.loss;
      const stepSize = cosineAnnealed(initialStepSize, finalStepSize, k, steps);
      for (let i = 0; i < delta.length; i++) delta[i] += (stepSize * gradient.gradient[i]) / gradientNorm;
      eps = Math.min(adversarial ? (1 - gamma) * eps : (1 + gamma) * eps, ceiling);
      rescale(delta, eps);
      if (settings.clip) keepInBox(x, delta);
    }
    // Step 0 either returned or set the loss.
    const lossKind = loss as LossKind;
    if (smallest.delta === null) {
      return failedOutcome(`ddn found no flip within maxEps=${settings.maxEps} in ${steps} steps`, lossKind, l2Norm(delta) > 0 ? unitDirection(delta) : null);
    }
    settings.onStage?.('line-search');
    return outcomeAlong(classifier, x, label, smallest.delta, lossKind, settings, 'ddn');
  }
}
