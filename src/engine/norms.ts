import type { Norms } from '../protocol/report';

export function l2Norm(v: ArrayLike<number>): number {
  // Scaled sum of squares: no overflow or underflow for extreme components.
  const largest = linfNorm(v);
  if (largest === 0 || !Number.isFinite(largest)) return largest;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const scaled = v[i] / largest;
    sum += scaled * scaled;
  }
  return largest * Math.sqrt(sum);
}

export function l1Norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += Math.abs(v[i]);
  return sum;
}

/** Largest absolute component; NaN when a component is NaN. */
export function linfNorm(v: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < v.length; i++) {
    const magnitude = Math.abs(v[i]);
    if (magnitude > largest || Number.isNaN(magnitude)) largest = magnitude;
    if (Number.isNaN(largest)) return NaN;
  }
  return largest;
}

export function norms(v: ArrayLike<number>): Norms {
  return { l2: l2Norm(v), l1: l1Norm(v), linf: linfNorm(v) };
}

/** Norms of the effective perturbation clip(x + scale·direction, 0, 1) − x. */
export function clippedPerturbationNorms(x: ArrayLike<number>, direction: ArrayLike<number>, scale: number): Norms {
  const delta = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const perturbed = Math.min(1, Math.max(0, x[i] + scale * direction[i]));
    delta[i] = perturbed - x[i];
  }
  return norms(delta);
}
