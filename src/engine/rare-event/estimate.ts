/**
 * Rare-event estimation of the random-flip probability of one image at each α: p = P(f(x + α·ε*·u)
 * ≠ label) for u uniform in the unit d-ball (PROTOCOL.md "Random perturbations"), far below the
 * 1/N that plain Monte Carlo resolves, by adaptive multilevel splitting on the logit margin.
 */
import type { Classifier } from '../classifier';
import type { RareEventResult } from '../../protocol/report';
import { SeededRandom } from '../rng';
import { flipScores } from './margin-score';
import { rareEventSeed } from './seed';
import { adaptiveSplitting, defaultSplittingOptions, type SplittingOutcome } from './splitting';
import { UniformBallCloud } from './uniform-ball-cloud';

export const rareEventMethod = 'ams-pcn';
export const defaultRareEventBudget = 20_000;
/** Fewest forward passes an estimate may be given: the smallest population and a few levels. */
export const minimumRareEventBudget = 200;

export interface RareEventSettings {
  /** Forward passes per image and α. */
  budget: number;
  /** The run's seed; each image and α derive their own from it. */
  runSeed: number;
  /** The image's position in sorted path order over the whole dataset. */
  imageIndex: number;
  clip: boolean;
}

/** Nats the initial population is sized to reach within the budget before thinning: −ln 10⁻²⁰. */
const designNats = 46;

/** Particles to start with: a power of two in [8, 128] whose levels down to 10⁻²⁰ fit the budget. */
export function initialParticles(budget: number): number {
  const { moves, killFraction, minParticles } = defaultSplittingOptions;
  const passesPerNatPerParticle = (killFraction * moves) / -Math.log1p(-killFraction);
  const fit = budget / (passesPerNatPerParticle * designNats);
  let particles = minParticles;
  while (particles * 2 <= Math.min(128, fit)) particles *= 2;
  return particles;
}

export async function rareEventFlips(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  eps: number,
  alphas: number[],
  settings: RareEventSettings,
): Promise<RareEventResult[]> {
  const logitsPerturbed = classifier.logitsPerturbed?.bind(classifier);
  if (!logitsPerturbed) throw new Error('rare-event estimation needs the model\'s logits, which this classifier does not give');
  if (!Number.isInteger(settings.budget) || settings.budget < minimumRareEventBudget) {
    throw new Error(`the rare-event budget must be an integer of at least ${minimumRareEventBudget} forward passes, got ${settings.budget}`);
  }
  if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`eps must be a positive number, got ${eps}`);
  const d = classifier.dimension;
  const results: RareEventResult[] = [];
  for (const alpha of alphas) {
    const radius = alpha * eps;
    const random = new SeededRandom(rareEventSeed(settings.runSeed, settings.imageIndex, alpha));
    const score = async (directions: Float32Array, count: number): Promise<Float64Array> => {
      const logits = await logitsPerturbed(x, directions, count, new Float32Array(count).fill(radius), settings.clip);
      return flipScores(logits, count, logits.length / count, label);
    };
    const cloud = new UniformBallCloud(d, initialParticles(settings.budget), random, score);
    const outcome = await adaptiveSplitting(cloud, random, { ...defaultSplittingOptions, budget: settings.budget });
    results.push(toResult(outcome));
  }
  return results;
}

const log10 = (natural: number) => natural / Math.LN10;

export function toResult(outcome: SplittingOutcome): RareEventResult {
  const estimate = outcome.logEstimate;
  const result: RareEventResult = {
    method: rareEventMethod,
    reached: outcome.reached,
    probability: estimate === null ? null : Math.exp(estimate),
    log10Probability: estimate === null ? null : log10(estimate),
    interval: [Math.exp(outcome.logLower), Math.exp(outcome.logUpper)],
    log10Interval: [Number.isFinite(outcome.logLower) ? log10(outcome.logLower) : null, log10(outcome.logUpper)],
    confidence: defaultSplittingOptions.confidence,
    samplesPerFlip: estimate === null || !Number.isFinite(Math.exp(-estimate)) ? null : Math.exp(-estimate),
    log10SamplesPerFlip: estimate === null ? null : -log10(estimate),
    forwardPasses: outcome.evaluations,
    particles: outcome.initialParticles,
    levels: outcome.levels,
  };
  if (outcome.stopped !== undefined) result.stopped = outcome.stopped;
  return result;
}
