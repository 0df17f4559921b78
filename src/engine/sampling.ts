import { SeededRandom } from './rng';

/**
 * The random perturbation directions of a run (PROTOCOL.md, "Random perturbations" step 1),
 * drawn once and shared by every image. Row j of `directions` is u_j; `l2`, `l1`, `linf` are the
 * norms of the stored float32 rows, so scaled norms describe exactly what the classifier sees.
 */
export interface RandomSet {
  count: number;
  dimension: number;
  /** count·dimension values, row-major. Never mutated once built (classifiers cache it by identity). */
  directions: Float32Array;
  l2: Float64Array;
  l1: Float64Array;
  linf: Float64Array;
}

/**
 * `count` vectors uniform in the unit `dimension`-ball: u = g/‖g‖₂ · U^{1/d}, g ~ N(0, I_d),
 * U ~ Uniform(0,1). Per vector the generator draws d normals, then U, so a seed fixes the set.
 */
export function unitBallSamples(count: number, dimension: number, seed: number): RandomSet {
  if (!Number.isInteger(count) || count < 1) throw new Error(`sample count must be a positive integer, got ${count}`);
  if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`dimension must be a positive integer, got ${dimension}`);
  const random = new SeededRandom(seed);
  const directions = new Float32Array(count * dimension);
  const l2 = new Float64Array(count);
  const l1 = new Float64Array(count);
  const linf = new Float64Array(count);
  const gaussian = new Float64Array(dimension);

  for (let j = 0; j < count; j++) {
    let squares = 0;
    for (let i = 0; i < dimension; i++) {
      const g = random.normal();
      gaussian[i] = g;
      squares += g * g;
    }
    const radius = Math.pow(random.next(), 1 / dimension);
    const factor = radius / Math.sqrt(squares);
    const row = directions.subarray(j * dimension, (j + 1) * dimension);
    let rowSquares = 0;
    let rowAbsolute = 0;
    let rowLargest = 0;
    for (let i = 0; i < dimension; i++) {
      const value = Math.fround(gaussian[i] * factor);
      row[i] = value;
      const magnitude = Math.abs(value);
      rowSquares += value * value;
      rowAbsolute += magnitude;
      if (magnitude > rowLargest) rowLargest = magnitude;
    }
    l2[j] = Math.sqrt(rowSquares);
    l1[j] = rowAbsolute;
    linf[j] = rowLargest;
  }
  return { count, dimension, directions, l2, l1, linf };
}
