// The wasm Conv2DBackpropInput that runs as a forward convolution equals the cpu backend's kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { backend_util, Conv2DBackpropInput, getKernel, Identity } from '@tensorflow/tfjs-core';
import { loadBackend } from '../../src/worker/backends';
import {
  clearFlippedFilterCache,
  conv2DBackpropInputConfig,
  filterFlipCount,
  flippedFilterCount,
  planBackpropAsForward,
} from '../../src/worker/kernels/conv2d-backprop-input';
import { sharedIdentityConfig } from '../../src/worker/kernels/shared-identity';
import { paperNetwork } from '../../src/bench/paper-network';

type Padding = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

function seeded(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 4294967296 - 0.5;
  }
  return values;
}

/** dL/dx of L = Σ conv2d(x, w)·weights (fixed weights, so every output position matters differently). */
async function inputGradient(backend: 'cpu' | 'wasm', xShape: number[], wShape: number[], strides: number | [number, number], pad: Padding): Promise<Float32Array> {
  await tf.setBackend(backend);
  const gradient = tf.tidy(() => {
    const x = tf.tensor4d(seeded(xShape.reduce((a, b) => a * b), 1), xShape as [number, number, number, number]);
    const w = tf.tensor4d(seeded(wShape.reduce((a, b) => a * b), 2), wShape as [number, number, number, number]);
    const outShape = tf.conv2d(x, w, strides, pad).shape;
    const weights = tf.tensor(seeded(outShape.reduce((a, b) => a * b), 3), outShape);
    return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, w, strides, pad), weights)))(x);
  });
  const values = (await gradient.data()) as Float32Array;
  gradient.dispose();
  return values;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

test.before(async () => {
  // The worker's wasm backend, with its kernels (ours among them) installed.
  await loadBackend('wasm');
  await loadBackend('cpu');
});

test('the worker registers this kernel, and an Identity that shares data, for wasm', () => {
  assert.equal(getKernel(Conv2DBackpropInput, 'wasm'), conv2DBackpropInputConfig);
  assert.equal(getKernel(Identity, 'wasm'), sharedIdentityConfig);
});

test('the shared Identity keeps the data alive until its last holder is disposed', async () => {
  await tf.setBackend('wasm');
  const original = tf.tensor1d([1, 2, 3]);
  const copy = tf.clone(original);
  original.dispose();
  assert.deepEqual([...(await copy.data())], [1, 2, 3]);
  const variable = tf.variable(tf.tensor1d([4, 5]));
  const saved = tf.clone(variable);
  variable.assign(tf.tensor1d([6, 7]));
  assert.deepEqual([...(await saved.data())], [4, 5], 'a saved copy keeps the value it had');
  assert.deepEqual([...(await variable.data())], [6, 7]);
  const before = tf.memory().numBytes;
  copy.dispose();
  saved.dispose();
  variable.dispose();
  assert.ok(tf.memory().numBytes < before);
});

const cases: Array<{ x: number[]; w: number[]; strides: number | [number, number]; pad: Padding }> = [
  { x: [2, 7, 7, 3], w: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [1, 9, 8, 2], w: [3, 3, 2, 5], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], w: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { x: [1, 9, 9, 2], w: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [1, 6, 7, 2], w: [2, 2, 2, 3], strides: 1, pad: 'same' },
  { x: [2, 10, 10, 3], w: [4, 4, 3, 2], strides: 2, pad: 'same' },
  { x: [1, 11, 7, 2], w: [5, 3, 2, 3], strides: [3, 2], pad: 'valid' },
  { x: [1, 8, 8, 2], w: [1, 1, 2, 4], strides: 2, pad: 'valid' },
  { x: [1, 6, 6, 2], w: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
];

for (const c of cases) {
  const name = `x ${c.x.join('x')}, filter ${c.w.join('x')}, strides ${String(c.strides)}, padding ${JSON.stringify(c.pad)}`;
  test(`input gradient equals the cpu backend's: ${name}`, async () => {
    const info = backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.w as [number, number, number, number], c.strides, 1, c.pad);
    assert.notEqual(planBackpropAsForward(info), null, 'this case should run as a forward convolution, not on the cpu fallback');
    const cpu = await inputGradient('cpu', c.x, c.w, c.strides, c.pad);
    const wasm = await inputGradient('wasm', c.x, c.w, c.strides, c.pad);
    assert.ok(cpu.some((v) => v !== 0));
    assert.ok(maxAbsDifference(cpu, wasm) < 1e-5, `max |diff| ${maxAbsDifference(cpu, wasm)}`);
  });
}

test('explicit paddings wider than the filter have no forward form and go to the cpu kernel, still equal', async () => {
  const info = backend_util.computeConv2DInfo([1, 5, 5, 1], [2, 2, 1, 1], 1, 1, [[0, 0], [3, 3], [0, 0], [0, 0]]);
  assert.equal(planBackpropAsForward(info), null);
  const pad: Padding = [[0, 0], [3, 3], [0, 0], [0, 0]];
  const cpu = await inputGradient('cpu', [1, 5, 5, 1], [2, 2, 1, 1], 1, pad);
  const wasm = await inputGradient('wasm', [1, 5, 5, 1], [2, 2, 1, 1], 1, pad);
  assert.ok(maxAbsDifference(cpu, wasm) < 1e-6);
});

test('the padding of the equivalent forward convolution', () => {
  // 'same', stride 1, 3x3: one pixel each side, as the forward pass.
  const same = planBackpropAsForward(backend_util.computeConv2DInfo([1, 8, 8, 1], [3, 3, 1, 1], 1, 1, 'same'));
  assert.deepEqual(same, { strideHeight: 1, strideWidth: 1, padHeight: [1, 1], padWidth: [1, 1] });
  // 'valid': the full correlation, filter − 1 each side.
  const valid = planBackpropAsForward(backend_util.computeConv2DInfo([1, 8, 8, 1], [3, 3, 1, 1], 1, 1, 'valid'));
  assert.deepEqual(valid, { strideHeight: 1, strideWidth: 1, padHeight: [2, 2], padWidth: [2, 2] });
  // 'same' with an even filter pads less before than after in the forward pass, so the other way round here.
  const even = planBackpropAsForward(backend_util.computeConv2DInfo([1, 8, 8, 1], [2, 2, 1, 1], 1, 1, 'same'));
  assert.deepEqual(even, { strideHeight: 1, strideWidth: 1, padHeight: [1, 0], padWidth: [1, 0] });
  // Stride 2 'valid' on 9 rows: 4 output rows dilate to 7, padded 3 − 1 − 0 = 2 before and 9 − 7 + 0 = 2 after.
  const strided = planBackpropAsForward(backend_util.computeConv2DInfo([1, 9, 9, 1], [3, 3, 1, 1], 2, 1, 'valid'));
  assert.deepEqual(strided, { strideHeight: 2, strideWidth: 2, padHeight: [2, 2], padWidth: [2, 2] });
});

test("the paper's network: the whole input gradient on wasm equals cpu, and cached flipped filters are freed with the model", async () => {
  clearFlippedFilterCache();
  const gradients: Float32Array[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    const model = paperNetwork(tfl, { inputShape: [16, 16, 3], conv56: true, width: 0.125, seed: 3, dropout: 0 });
    const x = tf.tensor4d(seeded(2 * 16 * 16 * 3, 4).map((v) => v + 0.5), [2, 16, 16, 3]);
    for (let repeat = 0; repeat < 2; repeat++) {
      const before = tf.memory().numTensors;
      const flipsBefore = filterFlipCount();
      const gradient = tf.grad((input: tf.Tensor) => tf.sum(model.apply(input) as tf.Tensor))(x);
      gradients.push((await gradient.data()) as Float32Array);
      gradient.dispose();
      assert.equal(tf.memory().numTensors, before, 'the gradient leaked tensors');
      // The gradient saves the filters through Identity, which shares their data on wasm: same data ids, cache hits.
      if (backend === 'wasm') assert.equal(filterFlipCount() - flipsBefore, repeat === 0 ? 6 : 0);
    }
    if (backend === 'wasm') assert.equal(flippedFilterCount(), 6, 'one flipped filter per convolution, reused on the second gradient');
    x.dispose();
    model.dispose();
  }
  assert.ok(gradients[0].some((v) => v !== 0));
  assert.ok(maxAbsDifference(gradients[0], gradients[2]) < 1e-5);
  assert.deepEqual(gradients[2], gradients[3], 'the cached filters give the same gradient as freshly flipped ones');
  // A gradient through another model's filters sweeps out the entries of the disposed model.
  await inputGradient('wasm', [1, 5, 5, 1], [3, 3, 1, 1], 1, 'same');
  assert.equal(flippedFilterCount(), 1);
  clearFlippedFilterCache();
  assert.equal(flippedFilterCount(), 0);
});
