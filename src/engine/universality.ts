/**
 * Universality of adversarial perturbations (the paper's Theorem 8), measured on a model: within
 * each class, every susceptible image's perturbation ε*·v is added to the other correctly
 * classified images of the class, and counted when it flips them. The baseline adds a random
 * unit direction u, drawn per source from the run's seed, at the same norm ε*.
 */
import type { Classifier } from './classifier';
import type { ImageRecord, UniversalityClass, UniversalitySource } from '../protocol/report';
import { SeededRandom } from './rng';
import { median } from './statistics';

/** The sources of one class as packed predictPerturbed arguments, in batches of at most `batchSize` rows. */
export interface SourceBatch {
  /** Rows of unit directions (count·d): the adversarial v_i. */
  adversarial: Float32Array;
  /** Rows of unit random directions u_i (count·d). */
  baseline: Float32Array;
  /** ε*_i per row. */
  multipliers: Float32Array;
}

export interface PerturbationSource {
  /** Dataset index of the source image (a target with the same index is skipped). */
  index: number;
  eps: number;
  /** Unit-L2 attack direction v. */
  direction: Float32Array;
}

/** Keeps the random baseline's directions apart from the run's random set drawn from the same seed. */
const baselineStream = 0x5bd1e995;

/** A direction uniform on the unit sphere, fixed by the run's seed and the source's dataset index. */
export function baselineDirection(seed: number, index: number, dimension: number): Float32Array {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(index) || index < 0) throw new Error(`index must be a non-negative integer, got ${index}`);
  const high = Math.floor(seed / 0x1_0000_0000);
  const low = ((seed >>> 0) ^ Math.imul(index + 1, 0x9e3779b9) ^ baselineStream) >>> 0;
  const random = new SeededRandom(high * 0x1_0000_0000 + low);
  const gaussian = new Float64Array(dimension);
  let squares = 0;
  for (let i = 0; i < dimension; i++) {
    gaussian[i] = random.normal();
    squares += gaussian[i] * gaussian[i];
  }
  const norm = Math.sqrt(squares);
  return Float32Array.from(gaussian, (g) => g / norm);
}

/** Packs sources into batches once, so the same arrays serve every target (classifiers may cache them by identity). */
export function packSources(sources: readonly PerturbationSource[], baselines: readonly Float32Array[], dimension: number, batchSize: number): SourceBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (baselines.length !== sources.length) throw new Error('one baseline direction per source is needed');
  const batches: SourceBatch[] = [];
  for (let start = 0; start < sources.length; start += batchSize) {
    const count = Math.min(batchSize, sources.length - start);
    const batch: SourceBatch = {
      adversarial: new Float32Array(count * dimension),
      baseline: new Float32Array(count * dimension),
      multipliers: new Float32Array(count),
    };
    for (let row = 0; row < count; row++) {
      const source = sources[start + row];
      if (source.direction.length !== dimension || baselines[start + row].length !== dimension) {
        throw new Error(`source ${source.index} has a direction of ${source.direction.length} values, expected ${dimension}`);
      }
      if (!(source.eps > 0) || !Number.isFinite(source.eps)) throw new Error(`source ${source.index} has eps ${source.eps}, expected a positive number`);
      batch.adversarial.set(source.direction, row * dimension);
      batch.baseline.set(baselines[start + row], row * dimension);
      batch.multipliers[row] = source.eps;
    }
    batches.push(batch);
  }
  return batches;
}

/** Per source row (in packing order): whether x + ε*·v and x + ε*·u leave `label`. */
export async function flipsOnTarget(
  classifier: Classifier,
  target: Float32Array,
  label: number,
  batches: readonly SourceBatch[],
  clip: boolean,
): Promise<{ adversarial: boolean[]; baseline: boolean[] }> {
  if (target.length !== classifier.dimension) throw new Error(`image has ${target.length} values, the model expects ${classifier.dimension}`);
  const adversarial: boolean[] = [];
  const baseline: boolean[] = [];
  for (const batch of batches) {
    const count = batch.multipliers.length;
    const attacked = await classifier.predictPerturbed(target, batch.adversarial, count, batch.multipliers, clip);
    const random = await classifier.predictPerturbed(target, batch.baseline, count, batch.multipliers, clip);
    for (let row = 0; row < count; row++) {
      adversarial.push(attacked[row] !== label);
      baseline.push(random[row] !== label);
    }
  }
  return { adversarial, baseline };
}

/**
 * Up to `count` targets, spread evenly over `candidates` (already in dataset order) so that a
 * sample covers the whole class; all of them when there are no more than `count`.
 */
export function sampleTargets<T>(candidates: readonly T[], count: number): T[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`target count must be a positive integer, got ${count}`);
  if (candidates.length <= count) return [...candidates];
  return Array.from({ length: count }, (_, i) => candidates[Math.floor((i * candidates.length) / count)]);
}

/** What the measure has to run for one class. */
export interface ClassPlan<T> {
  label: number;
  sources: { record: ImageRecord; task: T }[];
  targets: T[];
  /** Correctly classified images of the class (the targets' pool). */
  correct: number;
}

/** Per class (in label order), the susceptible sources and the sampled targets, from the finished records. */
export function planUniversality<T>(entries: readonly { record: ImageRecord; task: T }[], targetsPerClass: number): ClassPlan<T>[] {
  const byLabel = new Map<number, { record: ImageRecord; task: T }[]>();
  for (const entry of entries) {
    if (!entry.record.correct) continue;
    const list = byLabel.get(entry.record.label) ?? [];
    list.push(entry);
    byLabel.set(entry.record.label, list);
  }
  return [...byLabel.entries()]
    .sort(([a], [b]) => a - b)
    .map(([label, correct]) => ({
      label,
      sources: correct.filter((entry) => entry.record.adversarial !== null),
      targets: sampleTargets(correct, targetsPerClass).map((entry) => entry.task),
      correct: correct.length,
    }))
    .filter((plan) => plan.sources.length > 0 && plan.correct > 1);
}

/** Forward-pass rows a gradient counts for in the cost estimate (a backward pass is about two forward ones). */
const gradientRows = 3;

/**
 * The measure's forward passes over the per-image protocol's, both counted in forward rows from
 * the finished records: the protocol's line searches (up to ε* or the whole grid), its random
 * perturbations (samples per α) and one gradient per correct image; the measure's attack rerun
 * per source (gradient and line search up to ε*, to get v back) and two rows per source-target pair.
 */
export function universalityCostFraction(
  records: readonly ImageRecord[],
  plans: readonly ClassPlan<unknown>[],
  settings: { scales: number; maxEps: number; samples: number; alphas: readonly number[] },
): number {
  const stepsTo = (eps: number) => Math.min(settings.scales, Math.ceil((eps * settings.scales) / settings.maxEps - 1e-9));
  let protocol = 0;
  for (const record of records) {
    if (!record.correct) {
      protocol += 1;
      continue;
    }
    protocol += gradientRows;
    protocol += record.adversarial ? stepsTo(record.adversarial.eps) + settings.samples * settings.alphas.length : settings.scales;
  }
  let measure = 0;
  for (const plan of plans) {
    for (const source of plan.sources) {
      measure += gradientRows + stepsTo(source.record.adversarial?.eps ?? settings.maxEps);
      measure += 2 * (plan.targets.length - 1);
    }
  }
  return protocol === 0 ? 0 : measure / protocol;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** One class's totals from its sources' results. */
export function summarizeClass(label: number, name: string, correct: number, targets: number, sources: readonly UniversalitySource[]): UniversalityClass {
  let pairs = 0;
  let flips = 0;
  let baselineFlips = 0;
  for (const source of sources) {
    pairs += source.targets;
    flips += source.flips;
    baselineFlips += source.baselineFlips;
  }
  const rates = sources.map((source) => (source.targets === 0 ? 0 : source.flips / source.targets)).sort((a, b) => a - b);
  return {
    label,
    name,
    sources: sources.length,
    correct,
    targets,
    pairs,
    flips,
    rate: pairs === 0 ? 0 : flips / pairs,
    baselineFlips,
    baselineRate: pairs === 0 ? 0 : baselineFlips / pairs,
    sourceRates: {
      min: rates.length ? rates[0] : 0,
      q1: quantile(rates, 0.25),
      median: median(rates),
      q3: quantile(rates, 0.75),
      max: rates.length ? rates[rates.length - 1] : 0,
    },
  };
}

/** Pooled totals over classes. */
export function pooledRates(classes: readonly UniversalityClass[]): { pairs: number; flips: number; rate: number; baselineFlips: number; baselineRate: number } {
  const pairs = classes.reduce((n, c) => n + c.pairs, 0);
  const flips = classes.reduce((n, c) => n + c.flips, 0);
  const baselineFlips = classes.reduce((n, c) => n + c.baselineFlips, 0);
  return { pairs, flips, rate: pairs === 0 ? 0 : flips / pairs, baselineFlips, baselineRate: pairs === 0 ? 0 : baselineFlips / pairs };
}
