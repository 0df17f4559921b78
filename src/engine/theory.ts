/**
 * PROTOCOL.md "The theory": the chance that a perturbation uniform in the ball of radius r
 * crosses a hyperplane at distance h, i.e. the cap fraction of the unit d-ball above height h/r.
 */
import { logRegularizedIncompleteBeta, regularizedIncompleteBeta } from './beta';

export { logRegularizedIncompleteBeta, regularizedIncompleteBeta } from './beta';

function validate(ratio: number, dimension: number): void {
  if (Number.isNaN(ratio)) throw new Error('ratio h/r must be a number, got NaN');
  if (!(dimension >= 1) || !Number.isFinite(dimension)) throw new Error(`dimension must be ≥ 1, got ${dimension}`);
}

/** 1 − ratio², without cancellation for small ratios. */
function oneMinusSquare(ratio: number): number {
  return (1 - ratio) * (1 + ratio);
}

/**
 * Fraction of the unit d-ball with first coordinate ≥ ratio: ½·I_{1−ratio²}((d+1)/2, ½).
 * 0 when ratio ≥ 1, ½ at 0; a negative ratio gives 1 − capFraction(−ratio, d).
 */
export function capFraction(ratio: number, dimension: number): number {
  validate(ratio, dimension);
  if (ratio < 0) return 1 - capFraction(-ratio, dimension);
  if (ratio >= 1) return 0;
  return 0.5 * regularizedIncompleteBeta(oneMinusSquare(ratio), (dimension + 1) / 2, 0.5, ratio * ratio);
}

/** ln capFraction: finite for ratio < 1 even where capFraction underflows (d ~ 10^6); −∞ at ratio ≥ 1. */
export function logCapFraction(ratio: number, dimension: number): number {
  validate(ratio, dimension);
  if (ratio < 0) return Math.log1p(-capFraction(-ratio, dimension));
  if (ratio >= 1) return -Infinity;
  return Math.log(0.5) + logRegularizedIncompleteBeta(oneMinusSquare(ratio), (dimension + 1) / 2, 0.5, ratio * ratio);
}

/**
 * Expected number of uniform random samples until one flips: 1/capFraction. Infinity when the
 * ball does not reach the hyperplane (ratio ≥ 1) or when the count exceeds the double range
 * (use −logCapFraction for the natural log of the count there).
 */
export function expectedSamplesToFlip(ratio: number, dimension: number): number {
  return Math.exp(-logCapFraction(ratio, dimension));
}

/** Theorem 1's bound (1 − ratio²)^{d/2} on the cap fraction (up to a factor); 0 when ratio ≥ 1. */
export function theorem1Bound(ratio: number, dimension: number): number {
  validate(ratio, dimension);
  if (Math.abs(ratio) >= 1) return 0;
  return Math.exp((dimension / 2) * Math.log(oneMinusSquare(ratio)));
}

/** The ratio h/r whose cap fraction in d dimensions is 10^log10p (bisection: the fraction falls as h/r grows). */
export function ratioForLog10CapFraction(log10p: number, dimension: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 200; i++) {
    const middle = 0.5 * (low + high);
    if (logCapFraction(middle, dimension) / Math.LN10 > log10p) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}
