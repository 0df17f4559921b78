/**
 * The flat-boundary prediction (PROTOCOL.md, "The theory") for one analysed image: the chance that
 * a random perturbation uniform in the ball of radius α·ε* crosses a hyperplane at distance h.
 * ε* is the first line-search step that flipped, so a flat boundary lies at h ∈ (ε* − Δ, ε*]
 * (Δ = maxEps/scales): h = ε* gives the smallest chance (ratio 1/α, the same for every image),
 * h = ε* − Δ the largest. Values are base-10 logarithms, since they underflow a double for
 * realistic input dimensions.
 */
import { logCapFraction } from '../engine/theory';

export interface FlatBoundaryPrediction {
  alpha: number;
  /** log10 P at h = ε*; −∞ where the ball cannot reach the plane (α ≤ 1). */
  log10AtEps: number;
  /** log10 P at h = ε* − Δ, one line-search step closer. */
  log10OneStepCloser: number;
}

const cache = new Map<string, number>();

/** log10 of the cap fraction P(ratio, d), memoised: ε* takes at most `scales` distinct values. */
export function log10CapFraction(ratio: number, dimension: number): number {
  const key = `${ratio}|${dimension}`;
  let value = cache.get(key);
  if (value === undefined) {
    value = logCapFraction(ratio, dimension) / Math.LN10;
    if (cache.size > 100_000) cache.clear();
    cache.set(key, value);
  }
  return value;
}

export function predictFlatBoundary(eps: number, alpha: number, dimension: number, gridStep: number): FlatBoundaryPrediction {
  const radius = alpha * eps;
  return {
    alpha,
    log10AtEps: log10CapFraction(eps / radius, dimension),
    log10OneStepCloser: log10CapFraction(Math.max(0, eps - gridStep) / radius, dimension),
  };
}

/** log10 of the mean of 10^v over the values (log-sum-exp); −∞ for none. */
export function log10MeanOfPowers(log10s: readonly number[]): number {
  let top = -Infinity;
  for (const v of log10s) if (v > top) top = v;
  if (top === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of log10s) if (v > -Infinity) sum += 10 ** (v - top);
  return top + Math.log10(sum / log10s.length);
}
