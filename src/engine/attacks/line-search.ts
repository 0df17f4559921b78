/**
 * Searches along a ray x + t·v (v unit L2) for the smallest scale t that changes the prediction,
 * by forward passes only: the paper's equally spaced grid (fgm-line) and the bisection every other
 * attack ends with (fgm-line too with --refine).
 */
import type { Classifier } from '../classifier';

/** A ray from a correctly classified image along a unit-L2 direction, probed with predictPerturbed. */
export interface Ray {
  classifier: Classifier;
  x: Float32Array;
  label: number;
  /** Unit L2; not mutated once passed (predictPerturbed may cache it by identity). */
  direction: Float32Array;
  clip: boolean;
}

/** Relative precision of a bisected ε*: the bracket (lower, ε*] is at most this fraction of ε*. */
export const scaleTolerance = 1e-4;

/** Interior points per bisection round, one forward batch: each round narrows the bracket 8-fold. */
const pointsPerRound = 7;

/** The multipliers lower + k·(upper − lower)/steps, k = 1..steps. */
export interface Grid {
  lower: number;
  upper: number;
  steps: number;
}

/** Scale k of the grid; with lower = 0 exactly the paper's ε_k = k·maxEps/scales. */
export function gridScale(grid: Grid, k: number): number {
  return grid.lower + (k * (grid.upper - grid.lower)) / grid.steps;
}

/** The predicted class of x + t·v for each t of `multipliers`, compared with the label. */
export async function flipsAt(ray: Ray, multipliers: Float32Array): Promise<boolean[]> {
  const predictions = await ray.classifier.predictPerturbed(ray.x, ray.direction, 1, multipliers, ray.clip);
  return Array.from(predictions, (predicted) => predicted !== ray.label);
}

/**
 * The first k in 1..steps whose grid scale flips, or null. The grid is scanned in ascending
 * forward batches of `chunk` multipliers and the scan stops at the first batch holding a flip, which
 * gives the same k as scanning every step.
 */
export async function firstFlippingGridStep(ray: Ray, grid: Grid, chunk: number): Promise<number | null> {
  for (let first = 1; first <= grid.steps; first += chunk) {
    const last = Math.min(grid.steps, first + chunk - 1);
    const multipliers = new Float32Array(last - first + 1);
    for (let k = first; k <= last; k++) multipliers[k - first] = gridScale(grid, k);
    const flips = await flipsAt(ray, multipliers);
    const hit = flips.indexOf(true);
    if (hit >= 0) return first + hit;
  }
  return null;
}

/**
 * The smallest flipping scale in (below, above], to `tolerance` relative, given that `above`
 * flips and `below` does not (0 never does: the image is classified correctly). Each round tests
 * equally spaced interior points in one batch and keeps the sub-interval ending at the first flip,
 * so where the ray crosses the boundary several times the first crossing is kept. The result is a
 * float32 scale that was seen to flip.
 */
export async function bisectFlippingScale(ray: Ray, below: number, above: number, tolerance = scaleTolerance): Promise<number> {
  let lower = below;
  let upper = Math.fround(above);
  while (upper - lower > tolerance * upper) {
    const width = (upper - lower) / (pointsPerRound + 1);
    const multipliers = Float32Array.from({ length: pointsPerRound }, (_, j) => lower + (j + 1) * width);
    const flips = await flipsAt(ray, multipliers);
    const first = flips.indexOf(true);
    const nextLower = first === 0 ? lower : multipliers[first < 0 ? pointsPerRound - 1 : first - 1];
    const nextUpper = first < 0 ? upper : multipliers[first];
    // float32 cannot split the bracket further.
    if (nextUpper - nextLower >= upper - lower) break;
    lower = nextLower;
    upper = nextUpper;
  }
  return upper;
}

/**
 * A scale at or just past `scale` that flips along the ray: `scale` itself, or the first of
 * scale·(1 + tolerance·2^i), i = 0..9, that does; null when none does. An iterate seen to flip at
 * x + δ is re-tested as x + ‖δ‖·(δ/‖δ‖), whose float32 rounding may land on the boundary's other side.
 */
export async function flippingScaleFrom(ray: Ray, scale: number, tolerance = scaleTolerance): Promise<number | null> {
  const multipliers = Float32Array.from({ length: 11 }, (_, i) => (i === 0 ? scale : scale * (1 + tolerance * 2 ** (i - 1))));
  const flips = await flipsAt(ray, multipliers);
  const first = flips.indexOf(true);
  return first < 0 ? null : multipliers[first];
}
