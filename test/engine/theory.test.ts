import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  capFraction,
  expectedSamplesToFlip,
  logCapFraction,
  logRegularizedIncompleteBeta,
  regularizedIncompleteBeta,
  theorem1Bound,
} from '../../src/engine/theory';

function assertClose(actual: number, expected: number, relative: number, what = ''): void {
  const error = Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(error <= relative, `${what} ${actual} vs ${expected} (relative error ${error})`);
}

/** ∫_{asin h}^{π/2} cosᵈθ dθ / ∫_{−π/2}^{π/2} cosᵈθ dθ by Simpson's rule (t = sin θ makes it smooth). */
function capFractionByIntegral(h: number, dimension: number): number {
  const simpson = (from: number, to: number): number => {
    const intervals = 4000;
    const width = (to - from) / intervals;
    let sum = 0;
    for (let i = 0; i <= intervals; i++) {
      const weight = i === 0 || i === intervals ? 1 : i % 2 ? 4 : 2;
      sum += weight * Math.cos(from + i * width) ** dimension;
    }
    return (sum * width) / 3;
  };
  return simpson(Math.asin(h), Math.PI / 2) / simpson(-Math.PI / 2, Math.PI / 2);
}

test('cap fraction equals the numerical integral at small d', () => {
  for (const dimension of [1, 2, 3, 4, 7, 10, 25]) {
    for (const h of [0, 0.05, 0.3, 0.5, 0.8, 0.99]) {
      assertClose(capFraction(h, dimension), capFractionByIntegral(h, dimension), 1e-8, `d=${dimension} h=${h}`);
    }
  }
});

test('cap fraction: known values and closed forms', () => {
  assertClose(capFraction(0.5, 1), 0.25, 1e-14);
  for (const h of [0.1, 0.5, 0.9]) {
    // d = 2: circular segment over the disc; d = 3: spherical cap (1−h)²(2+h)/4.
    assertClose(capFraction(h, 2), (Math.acos(h) - h * Math.sqrt(1 - h * h)) / Math.PI, 1e-13);
    assertClose(capFraction(h, 3), ((1 - h) ** 2 * (2 + h)) / 4, 1e-13);
  }
  assert.equal(capFraction(0, 100), 0.5);
  assert.equal(capFraction(1, 100), 0);
  assert.equal(capFraction(3, 100), 0);
  assertClose(capFraction(-0.3, 5), 1 - capFraction(0.3, 5), 1e-14);
  // scipy/mpmath reference values.
  assertClose(capFraction(0.001, 1e6), 0.15865513294606454, 1e-12);
  assertClose(capFraction(0.1, 2352), 5.797084060042549e-7, 1e-11);
});

test('cap fraction falls with the ratio and with the dimension', () => {
  for (const dimension of [1, 2, 10, 784, 150528]) {
    let previous = capFraction(0, dimension);
    for (let h = 0.01; h < 1; h += 0.01) {
      const current = capFraction(h, dimension);
      assert.ok(current <= previous, `d=${dimension} h=${h}`);
      previous = current;
    }
  }
  for (const h of [0.05, 0.2, 0.5]) {
    let previous = 1;
    for (const dimension of [1, 2, 3, 10, 100, 1000]) {
      const current = capFraction(h, dimension);
      assert.ok(current < previous, `h=${h} d=${dimension}`);
      previous = current;
    }
  }
});

test('log cap fraction stays finite at huge d and matches the Laplace asymptotics', () => {
  for (const dimension of [1e5, 1e6, 3e6]) {
    for (const h of [0.1, 0.3, 0.7]) {
      const log = logCapFraction(h, dimension);
      assert.ok(Number.isFinite(log) && log < -100, `d=${dimension} h=${h}: ${log}`);
      if (log < -746) assert.equal(capFraction(h, dimension), 0); // underflows; the log form does not
      else assertClose(capFraction(h, dimension), Math.exp(log), 1e-9);
      // Laplace at the endpoint h of ∫_h^1 (1−t²)^m dt, m = (d−1)/2, to second order, over
      // B(½, m+1) ≈ √(π/(m+1))·(1 + 1/(8(m+1))); the remainder is O(1/(m h²)²).
      const m = (dimension - 1) / 2;
      const numerator = (m + 1) * Math.log1p(-h * h) - Math.log(2 * m * h) + Math.log1p(-(1 + h * h) / (2 * m * h * h));
      const denominator = 0.5 * Math.log(Math.PI / (m + 1)) + Math.log1p(1 / (8 * (m + 1)));
      const asymptotic = numerator - denominator;
      assert.ok(Math.abs(log - asymptotic) < 1e-5, `d=${dimension} h=${h}: ${log} vs ${asymptotic}`);
    }
  }
  assert.equal(logCapFraction(1, 10), -Infinity);
  assertClose(logCapFraction(0.2, 30), Math.log(capFraction(0.2, 30)), 1e-13);
});

test('Theorem 1: the cap fraction is at most ½(1 − ratio²)^{d/2}', () => {
  for (const dimension of [1, 2, 5, 50, 2352]) {
    for (const h of [0.01, 0.2, 0.6, 0.95]) {
      assert.ok(capFraction(h, dimension) <= 0.5 * theorem1Bound(h, dimension) * (1 + 1e-12), `d=${dimension} h=${h}`);
    }
  }
  assertClose(theorem1Bound(0.6, 4), 0.64 ** 2, 1e-14);
  assert.equal(theorem1Bound(1, 4), 0);
});

test('expected samples to flip is 1/P, infinite beyond reach', () => {
  assertClose(expectedSamplesToFlip(0.5, 1), 4, 1e-13);
  assertClose(expectedSamplesToFlip(0.3, 20), 1 / capFraction(0.3, 20), 1e-12);
  assert.equal(expectedSamplesToFlip(1, 5), Infinity);
  assert.equal(expectedSamplesToFlip(0.5, 1e6), Infinity);
});

test('regularised incomplete beta: identities and reference values', () => {
  for (const [x, a] of [[0.3, 2], [0.999999, 1e6], [0.9, 40]] as const) {
    assertClose(regularizedIncompleteBeta(x, a, 1), x ** a, 1e-11, `I_${x}(${a},1)`);
    assertClose(regularizedIncompleteBeta(1 - x, 1, a), 1 - x ** a, 1e-11, `I_${1 - x}(1,${a})`);
  }
  for (const a of [0.5, 3, 1000]) assertClose(regularizedIncompleteBeta(0.5, a, a), 0.5, 1e-12);
  assertClose(regularizedIncompleteBeta(0.7, 3.5, 2), 1 - regularizedIncompleteBeta(0.3, 2, 3.5), 1e-14);
  assertClose(regularizedIncompleteBeta(0.3, 2.5, 0.5), 0.018927124071945658, 1e-13); // scipy.special.betainc
  assertClose(logRegularizedIncompleteBeta(0.99, 5e5, 0.5), -5029.998987514665, 1e-14); // mpmath
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
  assert.throws(() => regularizedIncompleteBeta(1.5, 2, 3), /0 ≤ x ≤ 1/);
  assert.throws(() => regularizedIncompleteBeta(0.5, 0, 3), /positive a, b/);
});

test('rejects a NaN ratio and a dimension below 1', () => {
  assert.throws(() => capFraction(Number.NaN, 3), /NaN/);
  assert.throws(() => capFraction(0.5, 0), /dimension must be ≥ 1/);
});
