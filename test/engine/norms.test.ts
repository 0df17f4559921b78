import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clippedPerturbationNorms, l1Norm, l2Norm, linfNorm, norms } from '../../src/engine/norms';

test('norms of a known vector', () => {
  assert.deepEqual(norms(Float32Array.from([3, -4, 0])), { l2: 5, l1: 7, linf: 4 });
  assert.deepEqual(norms([]), { l2: 0, l1: 0, linf: 0 });
});

test('l2 neither overflows nor underflows', () => {
  assert.ok(Math.abs(l2Norm([3e200, 4e200]) / 5e200 - 1) < 1e-15);
  assert.ok(Math.abs(l2Norm([3e-200, 4e-200]) / 5e-200 - 1) < 1e-15);
  assert.equal(l1Norm([-1, 2, -3]), 6);
  assert.ok(Number.isNaN(linfNorm([1, Number.NaN, 2])));
});

test('clipped perturbation norms measure clip(x + s·v, 0, 1) − x', () => {
  const x = [0.9, 0.1, 0.5];
  const v = [1, -1, 0.5];
  // s = 0.2: [1.1→1, −0.1→0, 0.6] − x = [0.1, −0.1, 0.1]
  const result = clippedPerturbationNorms(x, v, 0.2);
  assert.ok(Math.abs(result.l2 - Math.sqrt(0.03)) < 1e-12);
  assert.ok(Math.abs(result.l1 - 0.3) < 1e-12);
  assert.ok(Math.abs(result.linf - 0.1) < 1e-12);
});
