/**
 * Table 1 of the paper (PROTOCOL.md "Summary") and the statistics behind it.
 * Empty inputs give 0 (never NaN): mean, std and median of no values are 0, and a rate with no
 * denominator is 0, so a report of an empty or all-misclassified run stays valid JSON numbers.
 */
import type { ImageRecord, NormStats, RandomSummary, Summary } from '../protocol/report';
import { inverseRegularizedIncompleteBeta } from './beta';
import { summarizeRareEvents } from './rare-event/summary';

export function mean(xs: number[]): number {
  if (xs.length === 0) return 0;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Population standard deviation (ddof = 0, like numpy.std); 0 for no values. */
export function std(xs: number[]): number {
  if (xs.length === 0) return 0;
  const average = mean(xs);
  let squares = 0;
  for (const x of xs) squares += (x - average) * (x - average);
  return Math.sqrt(squares / xs.length);
}

/** Middle value; the mean of the two middle values for an even count; 0 for no values. */
export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function normStats(xs: number[]): NormStats {
  return { mean: mean(xs), std: std(xs), median: median(xs) };
}

function rate(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/**
 * The run's Table 1 row. Susceptible = correct with an adversarial result. Per α:
 * random-susceptible images (flips ≥ 1) over adversarially susceptible ones, flips and
 * trials (Σ samples) over the images that carry that α.
 */
export function summarize(images: ImageRecord[], alphas: number[]): Summary {
  const correct = images.filter((image) => image.correct);
  const susceptible = correct.filter((image) => image.adversarial !== null);
  const adversarial = susceptible.map((image) => image.adversarial!);
  const random: RandomSummary[] = alphas.map((alpha) => {
    let randomSusceptible = 0;
    let flips = 0;
    let trials = 0;
    for (const image of susceptible) {
      const result = image.random.find((entry) => entry.alpha === alpha);
      if (!result) continue;
      if (result.flips >= 1) randomSusceptible++;
      flips += result.flips;
      trials += result.samples;
    }
    const summary: RandomSummary = { alpha, susceptible: randomSusceptible, rate: rate(randomSusceptible, susceptible.length), flips, trials };
    const rareEvent = summarizeRareEvents(susceptible, alpha);
    if (rareEvent !== null) summary.rareEvent = rareEvent;
    return summary;
  });
  return {
    images: images.length,
    correct: correct.length,
    accuracy: rate(correct.length, images.length),
    adversarial: {
      susceptible: susceptible.length,
      rate: rate(susceptible.length, correct.length),
      l2: normStats(adversarial.map((a) => a.l2)),
      l1: normStats(adversarial.map((a) => a.l1)),
      linf: normStats(adversarial.map((a) => a.linf)),
    },
    random,
  };
}

export interface BinomialInterval {
  /** Two-sided exact interval: each tail holds (1 − confidence)/2. */
  lower: number;
  upper: number;
  /**
   * One-sided exact upper bound at `confidence` (tail 1 − confidence): the "< 0.15 % at 95 %"
   * statement for 0 of 2000, where it equals 1 − (1 − confidence)^{1/n}.
   */
  oneSidedUpper: number;
}

function validateCounts(successes: number, trials: number, confidence: number): void {
  if (!Number.isInteger(trials) || trials < 0) throw new Error(`trials must be a non-negative integer, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new Error(`successes must be an integer in 0..${trials}, got ${successes}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must lie in (0, 1), got ${confidence}`);
}

/** Upper end p with P(X ≤ successes | p) = tail (Clopper–Pearson). */
function upperLimit(successes: number, trials: number, tail: number): number {
  if (successes === trials) return 1;
  if (successes === 0) return -Math.expm1(Math.log(tail) / trials);
  return inverseRegularizedIncompleteBeta(1 - tail, successes + 1, trials - successes);
}

/** Lower end p with P(X ≥ successes | p) = tail (Clopper–Pearson). */
function lowerLimit(successes: number, trials: number, tail: number): number {
  if (successes === 0) return 0;
  if (successes === trials) return Math.exp(Math.log(tail) / trials);
  return inverseRegularizedIncompleteBeta(tail, successes, trials - successes + 1);
}

/**
 * Exact (Clopper–Pearson) confidence interval of a binomial rate from beta quantiles.
 * `lower`/`upper` are the conventional two-sided interval; `oneSidedUpper` is the one-sided
 * bound. No trials: [0, 1].
 */
export function clopperPearson(successes: number, trials: number, confidence = 0.95): BinomialInterval {
  validateCounts(successes, trials, confidence);
  if (trials === 0) return { lower: 0, upper: 1, oneSidedUpper: 1 };
  const twoSidedTail = (1 - confidence) / 2;
  return {
    lower: lowerLimit(successes, trials, twoSidedTail),
    upper: upperLimit(successes, trials, twoSidedTail),
    oneSidedUpper: upperLimit(successes, trials, 1 - confidence),
  };
}
