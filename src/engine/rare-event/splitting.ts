/**
 * Adaptive multilevel splitting (Cérou & Guyader 2007; generalised for ties by Bréhier et al.
 * 2016) for p = μ(score > 0): at each level the particles at or below the K-th smallest score are
 * killed, replaced by copies of survivors, and the copies moved by `moves` Markov steps that keep
 * μ restricted to the level. p̂ = Π (1 − killed/N) · (final fraction above 0).
 *
 * The interval is the one of the ideal algorithm (every particle independent given the level):
 * in the coordinate y = −ln μ(score > s) the kills are the events of a process whose waiting
 * times are independent exponentials with rates N, N − 1, … (restarting at N after each level),
 * and −ln p is the time at which the counted events stop. So c observed events bound −ln p
 * between the α/2 quantile of the c-th event time and the 1 − α/2 quantile of the (c+1)-th.
 */
import type { SeededRandom } from '../rng';
import { emptySum, exponentialSumQuantile, plusExponential, type ExponentialSum } from './gamma';
import type { ParticleCloud } from './particle-cloud';

export interface SplittingOptions {
  /** Most score evaluations (forward passes), initial draws included. */
  budget: number;
  /** Markov steps per copy and level. */
  moves: number;
  /** Fraction of the particles killed per level (K = ⌈fraction · N⌉). */
  killFraction: number;
  /** Fewest particles kept when the budget forces thinning. */
  minParticles: number;
  /**
   * The population is halved when the rest of the budget cannot pay for `thinningPatience` times
   * as many levels as were done so far at the current cost per level (smaller: more particles for longer).
   */
  thinningPatience: number;
  /** Two-sided confidence of the interval, e.g. 0.95. */
  confidence: number;
  /** Initial proposal step in (0, 1]. */
  initialStep: number;
  /** Acceptance rate the step size is tuned towards, level by level. */
  targetAcceptance: number;
}

export const defaultSplittingOptions: Omit<SplittingOptions, 'budget'> = {
  moves: 16,
  killFraction: 0.5,
  minParticles: 8,
  thinningPatience: 1,
  confidence: 0.95,
  initialStep: 0.5,
  targetAcceptance: 0.4,
};

export interface SplittingOutcome {
  /** True when the last level reached score > 0; false when the budget ran out (or the scores stalled) first. */
  reached: boolean;
  /** ln p̂ when reached (−Infinity never: a reached run keeps at least one particle above 0); else null. */
  logEstimate: number | null;
  /** ln of the interval's ends; lower is −Infinity when not reached (only an upper bound). */
  logLower: number;
  logUpper: number;
  /** Score evaluations used. */
  evaluations: number;
  levels: number;
  initialParticles: number;
  finalParticles: number;
  /** Why a run that did not reach stopped. */
  stopped?: 'budget' | 'stalled';
}

/** Particles at each level, halved when the rest of the budget cannot pay for as many levels again as done so far. */
export async function adaptiveSplitting(
  cloud: ParticleCloud,
  random: SeededRandom,
  options: SplittingOptions,
): Promise<SplittingOutcome> {
  validateOptions(options, cloud.size);
  const initialParticles = cloud.size;
  let scores = await cloud.initialise();
  let evaluations = cloud.size;
  let logProduct = 0;
  let events: ExponentialSum = emptySum;
  let levels = 0;
  let step = options.initialStep;
  const tail = (1 - options.confidence) / 2;

  const unreached = (stopped: 'budget' | 'stalled'): SplittingOutcome => ({
    reached: false,
    logEstimate: null,
    logLower: -Infinity,
    logUpper: -exponentialSumQuantile(events, tail),
    evaluations,
    levels,
    initialParticles,
    finalParticles: cloud.size,
    stopped,
  });

  for (;;) {
    const n = cloud.size;
    const order = sortedSlots(scores);
    const kill = Math.ceil(options.killFraction * n);
    const level = scores[order[kill - 1]];
    if (level > 0) break;
    let killed = kill;
    while (killed < n && scores[order[killed]] <= level) killed++;
    if (killed === n) return unreached('stalled');

    const cost = killed * options.moves;
    const remaining = options.budget - evaluations;
    if (n > options.minParticles && remaining < cost * Math.max(1, levels) * options.thinningPatience) {
      scores = thin(cloud, scores, Math.max(options.minParticles, n >> 1), random);
      continue;
    }
    if (cost > remaining) return unreached('budget');

    for (let j = 0; j < killed; j++) events = plusExponential(events, n - j);
    logProduct += Math.log1p(-killed / n);
    levels++;

    const slots = Int32Array.from(order.subarray(0, killed));
    const survivors = order.subarray(killed);
    for (const slot of slots) {
      const parent = survivors[Math.floor(random.next() * survivors.length)];
      cloud.copy(parent, slot);
      scores[slot] = scores[parent];
    }
    let accepted = 0;
    for (let move = 0; move < options.moves; move++) {
      const proposed = await cloud.propose(slots, step);
      evaluations += slots.length;
      const accept = new Uint8Array(slots.length);
      for (let i = 0; i < slots.length; i++) {
        if (proposed[i] > level) {
          accept[i] = 1;
          scores[slots[i]] = proposed[i];
          accepted++;
        }
      }
      cloud.accept(slots, accept);
    }
    const rate = accepted / (slots.length * options.moves);
    step = Math.min(1, Math.max(1e-4, step * Math.exp(2 * (rate - options.targetAcceptance))));
  }

  const n = cloud.size;
  let below = 0;
  for (let i = 0; i < n; i++) if (scores[i] <= 0) below++;
  for (let j = 0; j < below; j++) events = plusExponential(events, n - j);
  const logEstimate = logProduct + Math.log((n - below) / n);
  return {
    reached: true,
    logEstimate,
    logLower: -exponentialSumQuantile(plusExponential(events, n - below), 1 - tail),
    logUpper: -exponentialSumQuantile(events, tail),
    evaluations,
    levels,
    initialParticles,
    finalParticles: n,
  };
}

/** A uniformly random subset of `keep` particles (they are exchangeable, so the law is unchanged). */
function thin(cloud: ParticleCloud, scores: Float64Array, keep: number, random: SeededRandom): Float64Array {
  const slots = Int32Array.from({ length: cloud.size }, (_, i) => i);
  for (let i = 0; i < keep; i++) {
    const j = i + Math.floor(random.next() * (slots.length - i));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  const kept = slots.slice(0, keep);
  cloud.keepOnly(kept);
  return Float64Array.from(kept, (slot) => scores[slot]);
}

function sortedSlots(scores: Float64Array): Int32Array {
  return Int32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
}

function validateOptions(options: SplittingOptions, size: number): void {
  if (!Number.isInteger(size) || size < 2) throw new Error(`splitting needs at least 2 particles, got ${size}`);
  if (!Number.isInteger(options.budget) || options.budget < size) {
    throw new Error(`the budget (${options.budget}) must pay at least for the ${size} initial particles`);
  }
  if (!Number.isInteger(options.moves) || options.moves < 1) throw new Error(`moves must be a positive integer, got ${options.moves}`);
  if (!(options.killFraction > 0 && options.killFraction < 1)) throw new Error(`killFraction must lie in (0, 1), got ${options.killFraction}`);
  if (!(options.confidence > 0 && options.confidence < 1)) throw new Error(`confidence must lie in (0, 1), got ${options.confidence}`);
  if (!(options.initialStep > 0 && options.initialStep <= 1)) throw new Error(`initialStep must lie in (0, 1], got ${options.initialStep}`);
}
