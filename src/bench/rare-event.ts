/**
 * What the rare-event estimator (--rare-event, src/engine/rare-event/) costs: forward passes per
 * estimate and time, at its budget, on
 *  - a linear oracle in d dimensions (the production estimator on w·x + b), where the exact flip
 *    probability is the cap fraction (PROTOCOL.md "The theory"), at exact p from 1e-2 to 1e-30,
 *    over a few seeds (each its own weights, image and estimator seed);
 *  - the demo network's images at each α (ε* from the fgm-line attack, the check's default), through
 *    the worker's own classifier.
 */
import { attackByName } from '../engine/attacks/index';
import type { Classifier } from '../engine/classifier';
import { rareEventFlips } from '../engine/rare-event/estimate';
import { SeededRandom } from '../engine/rng';
import { logCapFraction, ratioForLog10CapFraction } from '../engine/theory';
import type { ForwardName, LossKind, RareEventResult } from '../protocol/report';
import { listDataset } from '../run/dataset';
import { readTaskImage } from '../worker/images/model-image';
import { workerClassifier } from '../worker/worker-classifier';
import { join } from 'node:path';
import { repositoryRoot } from './fixtures';

export interface RareEventBenchOptions {
  /** Forward passes per estimate (the check's --rare-event-budget). */
  budget: number;
  /** Seeds per linear-oracle row. */
  seeds: number;
  /** Demo images estimated at every α (spread over the dataset; those the attack flips). */
  images: number;
}

/** Estimates summed over seeds or images: cost and outcome. */
export interface RareEventCost {
  estimates: number;
  /** Estimates that reached the flip level (else only an upper bound). */
  reached: number;
  meanForwardPasses: number;
  medianForwardPasses: number;
  /** Median of log10 p̂ over the estimates that reached (null: none did). */
  medianLog10Estimate: number | null;
  /** Median of log10 of the upper bound over the estimates that did not reach (null: all did). */
  medianLog10Bound: number | null;
  /** Median milliseconds of one estimate. */
  medianMs: number;
}

export interface RareEventOracleRow extends RareEventCost {
  dimension: number;
  /** log10 of the exact flip probability. */
  log10Exact: number;
  /** Estimates whose 95 % interval holds the exact value. */
  covered: number;
}

export interface RareEventImageRow extends RareEventCost {
  alpha: number;
}

export interface RareEventSection {
  budget: number;
  seeds: number;
  oracle: RareEventOracleRow[];
  demo: { model: string; forward: ForwardName; susceptible: number; rows: RareEventImageRow[] } | { model: string; error: string };
}

const oracleDimension = 2352;
const oracleLog10Probabilities = [-2, -5, -10, -20, -30] as const;

/** A two-class logistic model sigmoid(w·x + b): class 1 iff w·x + b > 0, its logit exact in float64. */
class LinearOracle implements Classifier {
  readonly inputShape: readonly number[];
  readonly classCount = 2;

  constructor(
    readonly dimension: number,
    private readonly weights: Float64Array,
    private readonly bias: number,
  ) {
    this.inputShape = [dimension];
  }

  private logitOf(x: Float32Array, direction: Float32Array | null, offset: number, multiplier: number, clip: boolean): number {
    let z = this.bias;
    for (let i = 0; i < this.dimension; i++) {
      let value = direction === null ? x[i] : x[i] + multiplier * direction[offset + i];
      if (clip) value = Math.min(1, Math.max(0, value));
      z += this.weights[i] * value;
    }
    return z;
  }

  async logitsPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Float32Array> {
    return Float32Array.from(multipliers, (m, row) => this.logitOf(x, directions, directionCount === 1 ? 0 : row * this.dimension, m, clip));
  }

  async predictPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Int32Array> {
    return Int32Array.from(await this.logitsPerturbed(x, directions, directionCount, multipliers, clip), (z) => (z > 0 ? 1 : 0));
  }

  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    return Int32Array.from({ length: count }, (_, row) => (this.logitOf(batch.subarray(row * this.dimension), null, 0, 0, false) > 0 ? 1 : 0));
  }

  async probabilities(x: Float32Array): Promise<Float32Array> {
    const p = 1 / (1 + Math.exp(-this.logitOf(x, null, 0, 0, false)));
    return Float32Array.of(1 - p, p);
  }

  async lossGradient(_x: Float32Array, label: number): Promise<{ gradient: Float32Array; loss: LossKind }> {
    return { gradient: Float32Array.from(this.weights, (w) => (label === 1 ? -w : w)), loss: 'logit' };
  }

  dispose(): void {}
}

/** Unit normal weights, x in [0.2, 0.8]^d on class 1's side at distance 1 from the boundary. */
function linearProblem(dimension: number, seed: number): { classifier: LinearOracle; x: Float32Array } {
  const random = new SeededRandom(seed);
  const raw = Float64Array.from({ length: dimension }, () => random.normal());
  const norm = Math.hypot(...raw);
  const weights = raw.map((w) => w / norm);
  const x = Float32Array.from({ length: dimension }, () => 0.2 + 0.6 * random.next());
  let dot = 0;
  for (let i = 0; i < dimension; i++) dot += weights[i] * x[i];
  return { classifier: new LinearOracle(dimension, weights, 1 - dot), x };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function costOf(estimates: readonly { result: RareEventResult; ms: number }[]): RareEventCost {
  const passes = estimates.map((e) => e.result.forwardPasses);
  const reached = estimates.filter((e) => e.result.reached && e.result.log10Probability !== null).map((e) => e.result.log10Probability as number);
  const bounds = estimates.filter((e) => !e.result.reached).map((e) => e.result.log10Interval[1]);
  return {
    estimates: estimates.length,
    reached: reached.length,
    meanForwardPasses: passes.reduce((sum, p) => sum + p, 0) / Math.max(1, passes.length),
    medianForwardPasses: passes.length ? median(passes) : 0,
    medianLog10Estimate: reached.length ? median(reached) : null,
    medianLog10Bound: bounds.length ? median(bounds) : null,
    medianMs: estimates.length ? median(estimates.map((e) => e.ms)) : 0,
  };
}

async function timed<T>(action: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await action();
  return { value, ms: performance.now() - started };
}

/** The oracle rows: `seeds` estimates at each exact p in `dimension` dimensions. */
export async function measureOracle(dimension: number, log10Probabilities: readonly number[], options: Pick<RareEventBenchOptions, 'budget' | 'seeds'>): Promise<RareEventOracleRow[]> {
  const rows: RareEventOracleRow[] = [];
  for (const log10p of log10Probabilities) {
    const ratio = ratioForLog10CapFraction(log10p, dimension);
    const exactLog10 = logCapFraction(ratio, dimension) / Math.LN10;
    const estimates: { result: RareEventResult; ms: number }[] = [];
    let covered = 0;
    for (let seed = 0; seed < options.seeds; seed++) {
      const { classifier, x } = linearProblem(dimension, 10_000 + seed);
      // Distance 1 at radius 1/ratio: eps = 1/ratio with α = 1.
      const { value, ms } = await timed(() => rareEventFlips(classifier, x, 1, 1 / ratio, [1], { budget: options.budget, runSeed: seed, imageIndex: 0, clip: false }));
      const [result] = value;
      const [lower, upper] = result.log10Interval;
      if ((lower === null || lower <= exactLog10) && exactLog10 <= upper) covered++;
      estimates.push({ result, ms });
    }
    rows.push({ dimension, log10Exact: exactLog10, covered, ...costOf(estimates) });
  }
  return rows;
}

/** The demo rows: the estimator at each α on `images` demo images the attack flips, through the worker's classifier. */
export async function measureImages(
  target: { model: string; data: string },
  alphas: readonly number[],
  settings: { scales: number; maxEps: number },
  options: Pick<RareEventBenchOptions, 'budget' | 'images'>,
): Promise<{ forward: ForwardName; susceptible: number; rows: RareEventImageRow[] }> {
  const built = await workerClassifier(target.model, 'auto', 'auto', 1);
  try {
    const { classifier } = built;
    const listing = await listDataset(target.data);
    const perAlpha = alphas.map(() => [] as { result: RareEventResult; ms: number }[]);
    let susceptible = 0;
    for (const position of spreadOrder(listing.images.length, options.images)) {
      if (susceptible === options.images) break;
      const task = listing.images.at(position)!;
      const { pixels } = await readTaskImage(task, built.model.geometry);
      if ((await classifier.predict(pixels, 1))[0] !== task.label) continue;
      const outcome = await attackByName('fgm-line').run(classifier, pixels, task.label, { scales: settings.scales, maxEps: settings.maxEps, clip: false });
      if (!outcome.found) continue;
      susceptible++;
      for (const [k, alpha] of alphas.entries()) {
        const { value, ms } = await timed(() => rareEventFlips(classifier, pixels, task.label, outcome.eps, [alpha], { budget: options.budget, runSeed: 0, imageIndex: task.index, clip: false }));
        perAlpha[k].push({ result: value[0], ms });
      }
    }
    return { forward: built.forward, susceptible, rows: alphas.map((alpha, k) => ({ alpha, ...costOf(perAlpha[k]) })) };
  } finally {
    built.classifier.dispose();
  }
}

/** The section: the oracle rows, then the demo network (media/demo) at each α. */
export async function measureRareEvent(
  options: RareEventBenchOptions,
  alphas: readonly number[],
  settings: { scales: number; maxEps: number },
  log: (line: string) => void,
): Promise<RareEventSection> {
  log(`rare-event estimator: linear oracle, d = ${oracleDimension}, ${options.seeds} seeds at each of ${oracleLog10Probabilities.length} probabilities`);
  const oracle = await measureOracle(oracleDimension, oracleLog10Probabilities, options);
  const root = repositoryRoot();
  const target = { model: join(root, 'media', 'demo', 'model', 'model.json'), data: join(root, 'media', 'demo', 'data') };
  log(`rare-event estimator: the demo network, ${options.images} images at α = ${alphas.join(', ')}`);
  let demo: RareEventSection['demo'];
  try {
    demo = { model: 'demo', ...(await measureImages(target, alphas, settings, options)) };
  } catch (error) {
    demo = { model: 'demo', error: (error as Error).message.split('\n')[0] };
  }
  return { budget: options.budget, seeds: options.seeds, oracle, demo };
}

/** 0 … length−1 spread evenly: every stride-th position (stride length/wanted), then the ones after each, and so on. */
export function* spreadOrder(length: number, wanted: number): Generator<number> {
  const stride = Math.max(1, Math.floor(length / Math.max(1, wanted)));
  for (let offset = 0; offset < stride; offset++) for (let position = offset; position < length; position += stride) yield position;
}

export function formatRareEvent(section: RareEventSection | undefined): string {
  if (!section) return '';
  const lines = ['', `Rare-event estimator (--rare-event), budget ${section.budget} forward passes per estimate`];
  const estimate = (log10: number | null) => (log10 === null ? '—' : `1e${log10.toFixed(1)}`);
  const bound = (c: RareEventCost) => (c.medianLog10Bound === null ? '' : `  the others below ${estimate(c.medianLog10Bound)} (median bound)`);
  const cost = (c: RareEventCost) =>
    `${String(Math.round(c.meanForwardPasses)).padStart(6)} forward passes mean, ${String(c.medianForwardPasses).padStart(6)} median  ${c.reached}/${c.estimates} reached  median estimate ${estimate(c.medianLog10Estimate).padStart(8)}  ${(c.medianMs / 1000).toFixed(2)} s an estimate${bound(c)}`;
  lines.push(`  linear oracle (exact p = the cap fraction), ${section.seeds} seeds per row`);
  for (const row of section.oracle) lines.push(`    d ${row.dimension}  p 1e${row.log10Exact.toFixed(1).padEnd(5)}  ${cost(row)}  covered ${row.covered}/${row.estimates}`);
  if ('error' in section.demo) lines.push(`  ${section.demo.model}: failed: ${section.demo.error}`);
  else {
    lines.push(`  ${section.demo.model} (forward ${section.demo.forward}), ${section.demo.susceptible} susceptible images, ε* from fgm-line`);
    for (const row of section.demo.rows) lines.push(`    α ${String(row.alpha).padEnd(3)}  ${cost(row)}`);
  }
  return lines.join('\n');
}
