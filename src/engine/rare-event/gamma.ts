/**
 * The regularised lower incomplete gamma function P(a, x) and quantiles of a sum of independent
 * exponentials (matched by a gamma law: exact when the rates are equal).
 */
import { logGamma } from '../beta';

const tolerance = 1e-15;
const maxIterations = 100_000;
const tiny = 1e-300;

/** P(a, x) = γ(a, x)/Γ(a) for a > 0, x ≥ 0 (series below a + 1, continued fraction above). */
export function regularizedLowerGamma(a: number, x: number): number {
  if (!(a > 0) || !Number.isFinite(a)) throw new Error(`incomplete gamma needs a finite positive shape, got ${a}`);
  if (!(x >= 0)) throw new Error(`incomplete gamma needs x ≥ 0, got ${x}`);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  const logPrefactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n <= maxIterations; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * tolerance) return Math.min(1, sum * Math.exp(logPrefactor));
    }
    throw new Error(`incomplete gamma series did not converge for a=${a}, x=${x}`);
  }
  // Modified Lentz on the continued fraction of Q(a, x) = 1 − P(a, x).
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let fraction = d;
  for (let n = 1; n <= maxIterations; n++) {
    const coefficient = -n * (n - a);
    b += 2;
    d = coefficient * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + coefficient / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < tolerance) return Math.max(0, 1 - Math.exp(logPrefactor) * fraction);
  }
  throw new Error(`incomplete gamma continued fraction did not converge for a=${a}, x=${x}`);
}

/** The x with P(a, x) = probability (bisection: P is increasing in x). */
export function inverseRegularizedLowerGamma(probability: number, a: number): number {
  if (!(probability > 0 && probability < 1)) throw new Error(`probability must lie in (0, 1), got ${probability}`);
  let low = 0;
  let high = a + 20 * Math.sqrt(a) + 60;
  while (regularizedLowerGamma(a, high) < probability) high *= 2;
  for (let i = 0; i < 200; i++) {
    const middle = 0.5 * (low + high);
    if (middle <= low || middle >= high) break;
    if (regularizedLowerGamma(a, middle) < probability) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}

/** A sum of independent exponential variables, by the first two moments: Σ 1/λᵢ and Σ 1/λᵢ². */
export interface ExponentialSum {
  terms: number;
  mean: number;
  variance: number;
}

export const emptySum: ExponentialSum = { terms: 0, mean: 0, variance: 0 };

/** The sum with one more exponential of rate `rate`. */
export function plusExponential(sum: ExponentialSum, rate: number): ExponentialSum {
  if (!(rate > 0)) throw new Error(`an exponential rate must be positive, got ${rate}`);
  return { terms: sum.terms + 1, mean: sum.mean + 1 / rate, variance: sum.variance + 1 / (rate * rate) };
}

/**
 * The `probability` quantile of the sum, from the gamma law with its mean and variance (a sum
 * of exponentials with equal rates is exactly gamma; with rates within a factor of a few, the
 * match is close in both tails). 0 for an empty sum.
 */
export function exponentialSumQuantile(sum: ExponentialSum, probability: number): number {
  if (sum.terms === 0) return 0;
  const shape = (sum.mean * sum.mean) / sum.variance;
  const scale = sum.variance / sum.mean;
  return scale * inverseRegularizedLowerGamma(probability, shape);
}
