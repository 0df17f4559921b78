/**
 * The paper's theoretical models, simulated (its Sections 4.2 and 5, Figures 4 and 6), with the
 * theorems' bounds beside the measured rates. The formulas are as restored from the proofs in the
 * paper's Appendices B and C (its text extraction lost them), for uniform data (growth M = 1).
 *
 * Two balls (Section 4.2): class 0 uniform in the unit ball centred at −ε·e₁, class 1 at +ε·e₁,
 * classified by the sign of x₁ (the classifier (1)). Two half-balls (Section 5): class 0 uniform in
 * the half of the unit ball at −ε·e₁ with x₁ ≤ −ε, class 1 mirrored; the same classifier.
 *
 * Theorem 20 (touching half-balls, ε = 0) is a lower bound on random flips stated as d → ∞ with the
 * normal CDF Φ; its form here is re-derived from the steps of its proof in Appendix C.3 (the
 * extraction lost the statement), both before the limit (`theorem20Bound`) and in it (`theorem20Limit`).
 */
import { SeededRandom } from './rng';
import { capFraction } from './theory';

export type TheoryModel = 'two-balls' | 'two-half-balls';

export interface TheoryParameters {
  model: TheoryModel;
  /** Half the separation: the centres (two balls) or flat faces (half-balls) are at ±ε·e₁. */
  epsilon: number;
  /** Radius r of the random perturbations, uniform in the r-ball. */
  radius: number;
  /** Adversarial budget δ: a point is susceptible when a perturbation of norm ≤ δ flips it. */
  delta: number;
  /** Destabilisation margin γ of Theorem 8 (two balls). */
  gamma: number;
  dimensions: number[];
  /** Data points per dimension, and random perturbations shared by them. */
  points: number;
  perturbations: number;
  seed: number;
}

export interface TheoryRow {
  dimension: number;
  accuracy: number;
  /** Theorem 4 (two balls): accuracy ≥ this; 1 for the half-balls (always correct). */
  accuracyBound: number;
  /** Points that a perturbation of norm ≤ δ puts on the wrong side (within δ of the boundary, or past it), over all points (Theorems 5, 18). */
  susceptibility: number;
  susceptibilityBound: number;
  /** Point–perturbation pairs x + s misclassified, s uniform in the r-ball, over all pairs (Theorems 6, 19). */
  randomFlip: number;
  randomFlipBound: number;
  /**
   * Theorem 20 (two half-balls touching, ε = 0): random flips at least this, in every dimension
   * (the bound its proof gives before the limit d → ∞, which is `theorem20Limit`); null elsewhere.
   */
  randomFlipLowerBound: number | null;
  /** Two balls: same-class pairs (x, x') where every perturbation destabilising x by margin γ also destabilises x' (Theorem 8). */
  universality: number | null;
  universalityBound: number | null;
}

const power = (base: number, dimension: number) => (base <= 0 ? 0 : Math.exp((dimension / 2) * Math.log(base)));

/** The theorems' bounds at one dimension, M = 1. */
export function theoryBounds(p: TheoryParameters, d: number): Omit<TheoryRow, 'dimension' | 'accuracy' | 'susceptibility' | 'randomFlip' | 'universality'> {
  const { epsilon: e, radius: r, delta, gamma } = p;
  if (p.model === 'two-balls') {
    return {
      accuracyBound: 1 - 0.5 * power(1 - e * e, d),
      susceptibilityBound: delta > e ? 1 - 0.5 * power(1 - (delta - e) ** 2, d) : 0,
      randomFlipBound: Math.min(1, power(1 - (e / (1 + r)) ** 2, d)),
      randomFlipLowerBound: null,
      universalityBound: gamma > 0 && gamma < 2 ? (1 - 0.5 * power(1 - (gamma * gamma) / 4, d)) ** 2 : null,
    };
  }
  return {
    accuracyBound: 1,
    susceptibilityBound: delta > e ? 1 - power(1 - (delta - e) ** 2, d) : 0,
    randomFlipBound: r > e ? 0.5 * power(1 - (e / r) ** 2, d) : 0,
    randomFlipLowerBound: e === 0 ? theorem20Bound(r, d) : null,
    universalityBound: null,
  };
}

/** The levels θ ∈ (0, 1) over which Theorem 20's bound is maximised (any one gives a valid bound). */
const theorem20Levels = Array.from({ length: 199 }, (_, i) => (i + 1) / 200);

/**
 * Half the width Δ of the slab −Δ ≤ x₁ ≤ 0 that holds at least a share θ of a half-ball's points:
 * the rest lies in a cap enveloped by a half-ball of radius √(1−Δ²), so θ = 1 − (1−Δ²)^{d/2}
 * (the proof of Theorem 18 with ε = 0).
 */
function slabHalfWidth(theta: number, d: number): number {
  return Math.sqrt(-Math.expm1((2 / d) * Math.log1p(-theta)));
}

/**
 * Theorem 20 at dimension d, as its proof (Appendix C.3) runs before the limit: a point within Δ
 * of the boundary (probability ≥ θ) is flipped by any perturbation with s₁ ≥ Δ, which is
 * independent of the point and has probability capFraction(Δ/r, d); so random flips occur with
 * probability at least sup_θ θ·capFraction(Δ(θ)/r, d).
 */
export function theorem20Bound(radius: number, d: number): number {
  let best = 0;
  for (const theta of theorem20Levels) best = Math.max(best, theta * capFraction(slabHalfWidth(theta, d) / radius, d));
  return best;
}

/**
 * Theorem 20's limit as d → ∞ (ε = 0): √d·Δ(θ) → √(−2 ln(1−θ)) and √d·s₁/r tends to a standard
 * normal, so random flips stay at least sup_θ θ·Φ(−√(−2 ln(1−θ))/r) in every high dimension.
 */
export function theorem20Limit(radius: number): number {
  let best = 0;
  for (const theta of theorem20Levels) best = Math.max(best, theta * standardNormalCdf(-Math.sqrt(-2 * Math.log1p(-theta)) / radius));
  return best;
}

/** Φ(z) through erfc (Numerical Recipes' Chebyshev fit, relative error below 1.2·10⁻⁷). */
export function standardNormalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** First coordinates of `count` points uniform in the unit d-ball, from full d-dimensional draws. */
function firstCoordinates(random: SeededRandom, count: number, d: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let squares = 0;
    let first = 0;
    for (let k = 0; k < d; k++) {
      const g = random.normal();
      if (k === 0) first = g;
      squares += g * g;
    }
    out[i] = (first / Math.sqrt(squares)) * Math.pow(random.next(), 1 / d);
  }
  return out;
}

export function validateTheoryParameters(p: TheoryParameters): string | null {
  if (p.model !== 'two-balls' && p.model !== 'two-half-balls') return `unknown model ${String(p.model)}`;
  if (!(p.epsilon >= 0 && p.epsilon < 1)) return `ε must be in [0, 1), got ${p.epsilon}`;
  if (!(p.radius > 0 && Number.isFinite(p.radius))) return `the perturbation radius must be positive, got ${p.radius}`;
  if (!(p.delta >= 0 && Number.isFinite(p.delta))) return `δ must be non-negative, got ${p.delta}`;
  if (!(p.gamma >= 0 && Number.isFinite(p.gamma))) return `γ must be non-negative, got ${p.gamma}`;
  if (!Array.isArray(p.dimensions) || p.dimensions.length === 0 || p.dimensions.some((d) => !Number.isInteger(d) || d < 1 || d > 100_000)) return 'dimensions must be whole numbers from 1 to 100 000';
  if (!Number.isInteger(p.points) || p.points < 2 || p.points > 100_000) return `points must be a whole number from 2 to 100 000, got ${p.points}`;
  if (!Number.isInteger(p.perturbations) || p.perturbations < 1 || p.perturbations > 10_000) return `perturbations must be a whole number from 1 to 10 000, got ${p.perturbations}`;
  if (!Number.isSafeInteger(p.seed)) return `the seed must be a whole number, got ${p.seed}`;
  return null;
}

/**
 * Samples each model at each dimension: class labels alternate, each point drawn in full
 * dimension (only x₁ decides the class, and only the first coordinates are kept). By symmetry
 * class 1 is class 0 mirrored, so each point is drawn as class 0 and mirrored for class 1.
 */
export function simulateTheory(p: TheoryParameters): TheoryRow[] {
  const problem = validateTheoryParameters(p);
  if (problem) throw new Error(problem);
  return p.dimensions.map((d, index) => {
    const random = new SeededRandom(p.seed + index);
    // In class 0's frame (the boundary at x₁ = 0, the class on the negative side); class 1 is its mirror image.
    const raw = firstCoordinates(random, p.points, d);
    const x = Float64Array.from(raw, (t) => (p.model === 'two-balls' ? t : -Math.abs(t)) - p.epsilon);
    const s = Float64Array.from(firstCoordinates(random, p.perturbations, d), (t) => t * p.radius);
    let correct = 0;
    let susceptible = 0;
    let flips = 0;
    for (const x1 of x) {
      if (x1 < 0) correct++;
      // As in the proofs of Theorems 5 and 18: a point is susceptible when it lies within δ of the boundary or beyond it.
      if (x1 >= -p.delta) susceptible++;
      for (const s1 of s) if (x1 + s1 >= 0) flips++;
    }
    let universal = 0;
    for (let i = 0; i + 1 < x.length; i += 2) if (x[i + 1] >= x[i] - p.gamma) universal++;
    const bounds = theoryBounds(p, d);
    return {
      dimension: d,
      accuracy: correct / x.length,
      susceptibility: susceptible / x.length,
      randomFlip: flips / (x.length * s.length),
      universality: p.model === 'two-balls' ? universal / Math.floor(x.length / 2) : null,
      ...bounds,
    };
  });
}

export const defaultTheoryParameters: TheoryParameters = {
  model: 'two-balls',
  epsilon: 0.05,
  radius: 0.5,
  delta: 0.1,
  gamma: 0.05,
  dimensions: [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
  points: 2000,
  perturbations: 200,
  seed: 0,
};
