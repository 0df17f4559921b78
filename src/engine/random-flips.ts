import type { Classifier } from './classifier';
import type { Norms, RandomResult } from '../protocol/report';
import { clippedPerturbationNorms } from './norms';
import type { RandomSet } from './sampling';

export interface RandomFlipOptions {
  clip: boolean;
  /** Rows per predictPerturbed call. */
  batchSize: number;
}

interface DirectionChunk {
  /** Index of the chunk's first row in the set. */
  start: number;
  count: number;
  /** A subarray view of set.directions, the same object for every image and α. */
  rows: Float32Array;
}

const chunkCache = new WeakMap<RandomSet, Map<number, DirectionChunk[]>>();

/** The set cut into views of `batchSize` rows, built once per set and batch size. */
function directionChunks(set: RandomSet, batchSize: number): DirectionChunk[] {
  let bySize = chunkCache.get(set);
  if (!bySize) {
    bySize = new Map();
    chunkCache.set(set, bySize);
  }
  let chunks = bySize.get(batchSize);
  if (!chunks) {
    chunks = [];
    for (let start = 0; start < set.count; start += batchSize) {
      const count = Math.min(batchSize, set.count - start);
      const rows = set.directions.subarray(start * set.dimension, (start + count) * set.dimension);
      chunks.push({ start, count, rows });
    }
    bySize.set(batchSize, chunks);
  }
  return chunks;
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

  const chunks = directionChunks(set, options.batchSize);
  const results: RandomResult[] = [];
  for (const alpha of alphas) {
    const radius = alpha * eps;
    const flipping: number[] = [];
    for (const chunk of chunks) {
      const scales = new Float32Array(chunk.count).fill(radius);
      const predictions = await classifier.predictPerturbed(x, chunk.rows, chunk.count, scales, options.clip);
      for (let i = 0; i < chunk.count; i++) {
        if (predictions[i] !== label) flipping.push(chunk.start + i);
      }
    }
    const minFlip = options.clip
      ? smallestClippedFlip(x, set, flipping, radius)
      : smallestFlip(set, flipping, radius);
    results.push({ alpha, flips: flipping.length, samples: set.count, minFlip });
  }
  return results;
}

function smallestFlip(set: RandomSet, flipping: number[], radius: number): Norms | null {
  let best = -1;
  for (const j of flipping) if (best < 0 || set.l2[j] < set.l2[best]) best = j;
  if (best < 0) return null;
  return { l2: radius * set.l2[best], l1: radius * set.l1[best], linf: radius * set.linf[best] };
}

function smallestClippedFlip(x: Float32Array, set: RandomSet, flipping: number[], radius: number): Norms | null {
  let best: Norms | null = null;
  for (const j of flipping) {
    const row = set.directions.subarray(j * set.dimension, (j + 1) * set.dimension);
    const candidate = clippedPerturbationNorms(x, row, radius);
    if (best === null || candidate.l2 < best.l2) best = candidate;
  }
  return best;
}
