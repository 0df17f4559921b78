/**
 * Coverage of the rare-event interval on flat boundaries, where the exact flip probability is the
 * cap fraction (PROTOCOL.md "The theory"). Shared by test/engine/rare-event.test.ts (fast) and
 * scripts/rare-event-coverage.ts (the table in docs/protocol.md).
 */
import { SeededRandom } from '../../src/engine/rng';
import { rareEventFlips } from '../../src/engine/rare-event/estimate';
import { initialParticles } from '../../src/engine/rare-event/estimate';
import { adaptiveSplitting, defaultSplittingOptions } from '../../src/engine/rare-event/splitting';
import { logCapFraction, ratioForLog10CapFraction } from '../../src/engine/theory';
import { linearProblem } from './linear-classifier';
import { FlatBoundaryCloud } from './rare-event-linear-cloud';

export interface CoverageRow {
  dimension: number;
  /** log10 of the exact flip probability. */
  log10Exact: number;
  chain: 'full' | 'reduced';
  repetitions: number;
  covered: number;
  reached: number;
  meanForwardPasses: number;
  /** Median width of the interval, in decades (reached estimates). */
  medianWidthDecades: number | null;
}

interface Interval {
  reached: boolean;
  logLower: number;
  logUpper: number;
  evaluations: number;
}

/**
 * `repetitions` seeded estimates at 10^log10p. 'full': the production estimator on a linear
 * classifier in d dimensions (forward passes and d-dimensional pCN moves); 'reduced': the same
 * splitting on the exact low-dimensional image of that chain (FlatBoundaryCloud).
 */
export async function coverage(dimension: number, log10p: number, repetitions: number, chain: 'full' | 'reduced', budget = 20_000): Promise<CoverageRow> {
  const ratio = ratioForLog10CapFraction(log10p, dimension);
  const exact = logCapFraction(ratio, dimension);
  let covered = 0;
  let reached = 0;
  let passes = 0;
  const widths: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const interval = chain === 'full' ? await fullEstimate(dimension, ratio, repetition, budget) : await reducedEstimate(dimension, ratio, repetition, budget);
    if (interval.logLower <= exact && exact <= interval.logUpper) covered++;
    if (interval.reached) {
      reached++;
      widths.push((interval.logUpper - interval.logLower) / Math.LN10);
    }
    passes += interval.evaluations;
  }
  widths.sort((a, b) => a - b);
  return {
    dimension,
    log10Exact: exact / Math.LN10,
    chain,
    repetitions,
    covered,
    reached,
    meanForwardPasses: passes / repetitions,
    medianWidthDecades: widths.length ? widths[widths.length >> 1] : null,
  };
}

async function fullEstimate(dimension: number, ratio: number, repetition: number, budget: number): Promise<Interval> {
  const distance = 1;
  const { classifier, x } = linearProblem(dimension, distance, 1, new SeededRandom(10_000 + repetition));
  // r = h/ratio, given as eps·alpha with alpha = 1.
  const [estimate] = await rareEventFlips(classifier, x, 1, distance / ratio, [1], { budget, runSeed: repetition, imageIndex: 0, clip: false });
  const ln = (log10: number | null) => (log10 === null ? -Infinity : log10 * Math.LN10);
  return { reached: estimate.reached, logLower: ln(estimate.log10Interval[0]), logUpper: ln(estimate.log10Interval[1]), evaluations: estimate.forwardPasses };
}

async function reducedEstimate(dimension: number, ratio: number, repetition: number, budget: number): Promise<Interval> {
  const random = new SeededRandom(20_000 + repetition);
  const cloud = new FlatBoundaryCloud(dimension, ratio, initialParticles(budget), random);
  const outcome = await adaptiveSplitting(cloud, random, { ...defaultSplittingOptions, budget });
  return { reached: outcome.reached, logLower: outcome.logLower, logUpper: outcome.logUpper, evaluations: outcome.evaluations };
}
