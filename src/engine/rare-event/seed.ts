/**
 * The seed of one image's and one α's estimator, from the run's seed, the image's position in
 * the dataset and α's value: the same whatever worker or shard analyses the image.
 */
export function rareEventSeed(runSeed: number, imageIndex: number, alpha: number): number {
  if (!Number.isSafeInteger(runSeed)) throw new Error(`seed must be an integer, got ${runSeed}`);
  if (!Number.isInteger(imageIndex) || imageIndex < 0) throw new Error(`image index must be a non-negative integer, got ${imageIndex}`);
  let h = mix(0x2545f491 ^ (runSeed >>> 0));
  h = mix(h ^ Math.floor(runSeed / 0x1_0000_0000));
  h = mix(h ^ imageIndex);
  h = mix(h ^ Math.round(alpha * 1_000_000));
  // 53 bits from two more rounds, so the estimator's stream is far from the random set's seed.
  return (mix(h ^ 0x5bd1e995) >>> 0) * 0x20_0000 + (h >>> 11);
}

function mix(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
