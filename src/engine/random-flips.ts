import type { Classifier } from './classifier';
import type { Norms, RandomResult } from '../protocol/report';
import { clippedPerturbationNorms } from './norms';
import type { RandomSet } from './sampling';

export interface RandomFlipOptions {
  clip: boolean;
  /** Rows per predictPerturbed call. */
  batchSize: number;
}

/**
 * PROTOCOL.md "Random perturbations" steps 2–3: for each α, how many of x + α·ε*·u_j change the
 * prediction away from `label`, and the smallest (by L2) flipping perturbation's norms.
 */
export async function randomFlips(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  eps: number,
  alphas: number[],
  set: RandomSet,
  options: RandomFlipOptions,
): Promise<RandomResult[]> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`eps must be a positive number, got ${eps}`);
  if (set.dimension !== classifier.dimension) {
    throw new Error(`random set has dimension ${set.dimension}, the model expects ${classifier.dimension}`);
  }
  if (x.length !== set.dimension) throw new Error(`image has ${x.length} values, expected ${set.dimension}`);
  for (const alpha of alphas) {
    if (!(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`alpha must be a positive number, got ${alpha}`);
  }

  // Chunk by chunk, every α on each: a regenerated set draws each chunk once per image.
  const tallies = alphas.map((alpha) => new FlipTally(alpha * eps, options.clip, x, set));
  const d = set.dimension;
  for (let start = 0; start < set.count; start += options.batchSize) {
    const count = Math.min(options.batchSize, set.count - start);
    const rows = set.rows(start, count);
    for (const tally of tallies) {
      const scales = new Float32Array(count).fill(tally.radius);
      const predictions = await classifier.predictPerturbed(x, rows, count, scales, options.clip);
      for (let i = 0; i < count; i++) {
        if (predictions[i] !== label) tally.flip(start + i, rows.subarray(i * d, (i + 1) * d));
      }
    }
  }
  return alphas.map((alpha, k) => ({ alpha, flips: tallies[k].flips, samples: set.count, minFlip: tallies[k].smallest() }));
}

/** One α's flips in row order, and the smallest (by L2) flipping perturbation, clipped or not. */
class FlipTally {
  flips = 0;
  private bestRow = -1;
  private bestClipped: Norms | null = null;

  constructor(
    readonly radius: number,
    private readonly clip: boolean,
    private readonly x: Float32Array,
    private readonly set: RandomSet,
  ) {}

  flip(j: number, row: Float32Array): void {
    this.flips++;
    if (this.clip) {
      const candidate = clippedPerturbationNorms(this.x, row, this.radius);
      if (this.bestClipped === null || candidate.l2 < this.bestClipped.l2) this.bestClipped = candidate;
    } else if (this.bestRow < 0 || this.set.l2[j] < this.set.l2[this.bestRow]) {
      this.bestRow = j;
    }
  }

  smallest(): Norms | null {
    if (this.clip) return this.bestClipped;
    if (this.bestRow < 0) return null;
    const { radius, set, bestRow: j } = this;
    return { l2: radius * set.l2[j], l1: radius * set.l1[j], linf: radius * set.linf[j] };
  }
}
