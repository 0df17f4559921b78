import type { Classifier } from '../classifier';
import { l2Norm } from '../norms';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';
import { bisectFlippingScale, firstFlippingGridStep, gridScale, type Grid, type Ray } from './line-search';
import { resolveAttackOptions } from './options';
import { failedOutcome, foundOutcome, unitDirection } from './outcome';

const defaultLineSearchChunk = 32;

/**
 * The paper's attack (PROTOCOL.md, "The paper's adversarial attack"): the L2-normalised loss
 * gradient v, then the first of the scalings ε_k = k·maxEps/scales (k = 1..scales) whose
 * x + ε_k·v changes the prediction. With the `refine` option ε* is then bisected within
 * (ε_{k−1}, ε_k] to the line search's tolerance (not the paper's protocol).
 */
export class FgmLineAttack implements Attack {
  readonly name = 'fgm-line';

  async run(classifier: Classifier, x: Float32Array, label: number, settings: AttackSettings): Promise<AttackOutcome> {
    validateAttackSettings(settings);
    const { refine } = resolveAttackOptions(settings.options);
    if (x.length !== classifier.dimension) {
      throw new Error(`image has ${x.length} values, the model expects ${classifier.dimension}`);
    }
    settings.onStage?.('gradient');
    const gradient = await classifier.lossGradient(x, label);
    if (gradient === null) return failedOutcome('zero gradient (saturated output)', null, null);
    const gradientNorm = l2Norm(gradient.gradient);
    if (gradientNorm === 0) return failedOutcome('zero gradient (saturated output)', gradient.loss, null);
    if (!Number.isFinite(gradientNorm)) return failedOutcome('non-finite gradient', gradient.loss, null);
    const direction = unitDirection(gradient.gradient, gradientNorm);

    settings.onStage?.('line-search');
    const ray: Ray = { classifier, x, label, direction, clip: settings.clip };
    const grid: Grid = { lower: 0, upper: settings.maxEps, steps: settings.scales };
    const step = await firstFlippingGridStep(ray, grid, settings.lineSearchChunk ?? defaultLineSearchChunk);
    if (step === null) return failedOutcome(`no flip within maxEps=${settings.maxEps}`, gradient.loss, direction);
    const eps = refine ? await bisectFlippingScale(ray, gridScale(grid, step - 1), gridScale(grid, step)) : gridScale(grid, step);
    return foundOutcome(x, direction, eps, gradient.loss, settings.clip);
  }
}
