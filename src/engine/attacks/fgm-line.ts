import type { Classifier } from '../classifier';
import { clippedPerturbationNorms, l1Norm, l2Norm, linfNorm } from '../norms';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';

const defaultLineSearchChunk = 32;

/**
 * The paper's attack (PROTOCOL.md, "The paper's adversarial attack"): the L2-normalised loss
 * gradient v, then the first of the scalings ε_k = k·maxEps/scales (k = 1..scales) whose
 * x + ε_k·v changes the prediction. The scan runs in ascending chunks and stops at the first chunk
 * holding a flip, which gives the same ε* as scanning every step.
 */
export class FgmLineAttack implements Attack {
  readonly name = 'fgm-line';

  async run(classifier: Classifier, x: Float32Array, label: number, settings: AttackSettings): Promise<AttackOutcome> {
    validateAttackSettings(settings);
    if (x.length !== classifier.dimension) {
      throw new Error(`image has ${x.length} values, the model expects ${classifier.dimension}`);
    }
    settings.onStage?.('gradient');
    const gradient = await classifier.lossGradient(x, label);
    if (gradient === null) return { found: false, reason: 'zero gradient (saturated output)', loss: null, direction: null };
    const gradientNorm = l2Norm(gradient.gradient);
    if (gradientNorm === 0) {
      return { found: false, reason: 'zero gradient (saturated output)', loss: gradient.loss, direction: null };
    }
    if (!Number.isFinite(gradientNorm)) {
      return { found: false, reason: 'non-finite gradient', loss: gradient.loss, direction: null };
    }
    const direction = new Float32Array(gradient.gradient.length);
    for (let i = 0; i < direction.length; i++) direction[i] = gradient.gradient[i] / gradientNorm;

    settings.onStage?.('line-search');
    const step = await firstFlippingStep(classifier, x, label, direction, settings);
    if (step === null) {
      return { found: false, reason: `no flip within maxEps=${settings.maxEps}`, loss: gradient.loss, direction };
    }
    const eps = (step * settings.maxEps) / settings.scales;
    const perturbation = settings.clip
      ? clippedPerturbationNorms(x, direction, eps)
      : { l2: eps, l1: eps * l1Norm(direction), linf: eps * linfNorm(direction) };
    return { found: true, eps, direction, loss: gradient.loss, perturbation };
  }
}

/** The smallest k in 1..scales with a flip at ε_k, or null. */
async function firstFlippingStep(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  direction: Float32Array,
  settings: AttackSettings,
): Promise<number | null> {
  const chunk = settings.lineSearchChunk ?? defaultLineSearchChunk;
  for (let first = 1; first <= settings.scales; first += chunk) {
    const last = Math.min(settings.scales, first + chunk - 1);
    const epsilons = new Float32Array(last - first + 1);
    for (let k = first; k <= last; k++) epsilons[k - first] = (k * settings.maxEps) / settings.scales;
    const predictions = await classifier.predictPerturbed(x, direction, 1, epsilons, settings.clip);
    for (let i = 0; i < predictions.length; i++) {
      if (predictions[i] !== label) return first + i;
    }
  }
  return null;
}
