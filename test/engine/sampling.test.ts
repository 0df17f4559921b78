import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unitBallSamples, type RandomSet } from '../../src/engine/sampling';
import { capFraction } from '../../src/engine/theory';
import { norms } from '../../src/engine/norms';

function row(set: RandomSet, j: number): Float32Array {
  return set.directions.subarray(j * set.dimension, (j + 1) * set.dimension);
}

/** Within `sigmas` binomial standard deviations (+1 count for discreteness). */
function assertBinomial(observed: number, trials: number, p: number, sigmas: number, what: string): void {
  const expected = trials * p;
  const slack = sigmas * Math.sqrt(trials * p * (1 - p)) + 1;
  assert.ok(Math.abs(observed - expected) <= slack, `${what}: observed ${observed}, expected ${expected.toFixed(2)} ± ${slack.toFixed(2)}`);
}

test('radii follow P(‖u‖ ≤ r) = r^d (Kolmogorov–Smirnov)', () => {
  for (const dimension of [1, 3, 50]) {
    const set = unitBallSamples(2000, dimension, 5);
    const uniforms = Array.from(set.l2, (r) => r ** dimension).sort((a, b) => a - b);
    let statistic = 0;
    uniforms.forEach((u, i) => {
      statistic = Math.max(statistic, Math.abs((i + 1) / uniforms.length - u), Math.abs(u - i / uniforms.length));
    });
    // 0.1 % critical value of the KS statistic: 1.95/√n.
    assert.ok(statistic < 1.95 / Math.sqrt(uniforms.length), `d=${dimension}: KS ${statistic}`);
    assert.ok(set.l2.every((r) => r <= 1 + 1e-6));
  }
});

test('the same seed gives the same set, another seed another set', () => {
  const a = unitBallSamples(50, 20, 9);
  const b = unitBallSamples(50, 20, 9);
  const c = unitBallSamples(50, 20, 10);
  assert.deepEqual(a.directions, b.directions);
  assert.deepEqual(a.l2, b.l2);
  assert.notDeepEqual(a.directions, c.directions);
});

test('coordinates have mean 0 (variance 1/(d+2) each)', () => {
  const count = 2000;
  const dimension = 40;
  const set = unitBallSamples(count, dimension, 6);
  const sigma = Math.sqrt(1 / (dimension + 2) / count);
  for (let i = 0; i < dimension; i++) {
    let sum = 0;
    for (let j = 0; j < count; j++) sum += set.directions[j * dimension + i];
    assert.ok(Math.abs(sum / count) < 5 * sigma, `coordinate ${i}: mean ${sum / count}`);
  }
});

test('P(u₁ ≥ h) is the cap fraction of the unit ball', () => {
  const count = 2000;
  for (const dimension of [2, 5, 20]) {
    const set = unitBallSamples(count, dimension, 7);
    for (const h of [0, 0.1, 0.3, 0.6]) {
      let above = 0;
      for (let j = 0; j < count; j++) if (set.directions[j * dimension] >= h) above++;
      assertBinomial(above, count, capFraction(h, dimension), 5, `d=${dimension}, h=${h}`);
    }
  }
});

test('stored norms are those of the stored rows', () => {
  const set = unitBallSamples(30, 17, 8);
  assert.equal(set.directions.length, 30 * 17);
  for (let j = 0; j < set.count; j++) {
    const expected = norms(row(set, j));
    assert.ok(Math.abs(set.l2[j] - expected.l2) < 1e-12);
    assert.ok(Math.abs(set.l1[j] - expected.l1) < 1e-12);
    assert.equal(set.linf[j], expected.linf);
  }
});

test('rejects bad counts and dimensions', () => {
  assert.throws(() => unitBallSamples(0, 3, 0), /sample count must be a positive integer/);
  assert.throws(() => unitBallSamples(3, 2.5, 0), /dimension must be a positive integer/);
});
