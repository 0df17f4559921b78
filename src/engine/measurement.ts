import type { Classifier } from './classifier';
import type { AdversarialResult, RandomResult } from '../protocol/report';
import type { Stage } from '../protocol/messages';
import type { RunSettings } from '../protocol/settings';
import { attackByName } from './attacks/index';
import { resolveAttackOptions } from './attacks/options';
import { randomFlips } from './random-flips';
import { rareEventFlips } from './rare-event/estimate';
import type { RandomSet } from './sampling';
import { requireFiniteOutputs } from './non-finite';

/** The run's settings one image's measurement reads (a view of RunSettings), and how it batches its forward passes. */
export interface MeasurementSettings extends Pick<RunSettings, 'scales' | 'maxEps' | 'alphas' | 'clip'>, Partial<Pick<RunSettings, 'attackOptions'>> {
  /** An attack's name; checked against the known ones when the attack is looked up. */
  attack: string;
  /** Rows per forward batch for the random perturbations. */
  batchSize: number;
  /** Line-search steps per forward batch. */
  lineSearchChunk?: number;
  /** Set (--rare-event): after the Monte Carlo counts, estimate each α's flip probability far below 1/samples. */
  rareEvent?: ImageRareEventSettings;
}

export interface ImageRareEventSettings {
  /** Forward passes per α. */
  budget: number;
  /** The run's seed and the image's index in the dataset: the estimator's seed comes from both. */
  runSeed: number;
  imageIndex: number;
}

export interface AnalysedImage {
  predicted: number;
  correct: boolean;
  probabilities: number[];
  /** Null when the image is misclassified or not susceptible. */
  adversarial: AdversarialResult | null;
  /** Empty unless `adversarial` is set. */
  random: RandomResult[];
  /** Why a correctly classified image has no adversarial result. */
  reason?: string;
  /** The attack direction (unit L2), when the attack got one. */
  direction: Float32Array | null;
}

/**
 * One image through the whole protocol: classify; attack it when correct; random perturbations
 * at α·ε* when the attack found ε*. `onStage` hears 'gradient', 'line-search', 'random'.
 */
export async function analyseImage(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  settings: MeasurementSettings,
  randomSet: RandomSet,
  onStage?: (stage: Stage) => void,
): Promise<AnalysedImage> {
  if (!Number.isInteger(label) || label < 0 || label >= classifier.classCount) {
    throw new Error(`label ${label} is not a class index of a ${classifier.classCount}-class model`);
  }
  if (x.length !== classifier.dimension) {
    throw new Error(`image has ${x.length} values, the model expects ${classifier.dimension}`);
  }
  const attack = attackByName(settings.attack);
  const probabilities = Array.from(await classifier.probabilities(x));
  // No result from NaN or infinite outputs: their arg max is meaningless (src/engine/non-finite.ts).
  requireFiniteOutputs(probabilities);
  const predicted = (await classifier.predict(x, 1))[0];
  const correct = predicted === label;
  if (!correct) return { predicted, correct, probabilities, adversarial: null, random: [], direction: null };

  const outcome = await attack.run(classifier, x, label, {
    scales: settings.scales,
    maxEps: settings.maxEps,
    clip: settings.clip,
    lineSearchChunk: settings.lineSearchChunk,
    options: settings.attackOptions,
    onStage,
  });
  if (!outcome.found) {
    return { predicted, correct, probabilities, adversarial: null, random: [], reason: outcome.reason, direction: outcome.direction };
  }
  const adversarial: AdversarialResult = { eps: outcome.eps, ...outcome.perturbation, loss: outcome.loss, attack: outcome.winner ?? attack.name };
  if (outcome.attacks) adversarial.attacks = outcome.attacks;
  onStage?.('random');
  const random = await randomFlips(classifier, x, label, outcome.eps, settings.alphas, randomSet, {
    clip: settings.clip,
    batchSize: settings.batchSize,
  });
  if (outcome.attacks && resolveAttackOptions(settings.attackOptions).randomPerAttack) {
    adversarial.randomByAttack = await randomByAttack(classifier, x, label, outcome.eps, random, outcome.attacks, settings, randomSet);
  }
  if (settings.rareEvent) {
    const estimates = await rareEventFlips(classifier, x, label, outcome.eps, settings.alphas, { ...settings.rareEvent, clip: settings.clip });
    random.forEach((result, k) => (result.rareEvent = estimates[k]));
  }
  return { predicted, correct, probabilities, adversarial, random, direction: outcome.direction };
}

/** The random stage at each flipping attack's ε* (best --random-per-attack); the chosen ε*'s counts are reused. */
async function randomByAttack(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  chosen: number,
  chosenRandom: RandomResult[],
  attacks: Partial<Record<string, number | null>>,
  settings: MeasurementSettings,
  randomSet: RandomSet,
): Promise<Record<string, RandomResult[]>> {
  const byAttack: Record<string, RandomResult[]> = {};
  for (const [name, eps] of Object.entries(attacks)) {
    if (typeof eps !== 'number') continue;
    byAttack[name] = eps === chosen
      ? chosenRandom.map((result) => ({ ...result }))
      : await randomFlips(classifier, x, label, eps, settings.alphas, randomSet, { clip: settings.clip, batchSize: settings.batchSize });
  }
  return byAttack;
}
