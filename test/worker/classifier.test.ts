// TfClassifier on real tiny TF.js models (wasm backend): predictions, perturbed batches built on
// the device, and the attack gradient through the logits — logit, cross-entropy, margin.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { analyseImage } from '../../src/engine/measurement';
import { unitBallSamples } from '../../src/engine/sampling';
import { loadBackend } from '../../src/worker/backends';
import type { Tf } from '../../src/worker/tf';
import { layersLoadedModel } from '../../src/worker/model/layers-model';
import { TfClassifier } from '../../src/worker/model/tf-classifier';
import { denseModel, kernelFromUnits, smallCnn } from './models';

let runtimeTf: Tf;

before(async () => {
  runtimeTf = (await loadBackend('wasm')).tf;
});

function classifierOf(model: tfl.LayersModel, maxBatch = 64): TfClassifier {
  return new TfClassifier(runtimeTf, layersLoadedModel(runtimeTf, model), maxBatch);
}

const image = (values: number[]) => Float32Array.from(values);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test('saturated sigmoid: p is exactly 1 in float32, the output gradient vanishes, the logit gradient does not', async () => {
  const w = [100, 100, 100, 100];
  const model = denseModel([2, 2, 1], kernelFromUnits([w]), [0], 'sigmoid');
  const classifier = classifierOf(model);
  const x = image([0.5, 0.5, 0.5, 0.5]);

  const probabilities = await classifier.probabilities(x);
  assert.equal(probabilities[1], 1, 'p rounds to 1');
  assert.equal(probabilities[0], 0);
  assert.deepEqual(Array.from(await classifier.predict(x, 1)), [1]);
  const outputGradient = tf.tidy(() =>
    tf.grad((input: tf.Tensor) => tf.sum(model.apply(input) as tf.Tensor))(tf.tensor(x, [1, 2, 2, 1])).dataSync(),
  );
  assert.ok(outputGradient.every((v) => v === 0), 'the gradient of p itself underflows');

  const forLabel1 = await classifier.lossGradient(x, 1);
  assert.equal(forLabel1?.loss, 'logit');
  assert.deepEqual(Array.from(forLabel1!.gradient), w.map((v) => -v), 'label 1: the gradient of −z');
  const forLabel0 = await classifier.lossGradient(x, 0);
  assert.deepEqual(Array.from(forLabel0!.gradient), w, 'label 0: the gradient of +z');
  classifier.dispose();
});

test('softmax: cross-entropy on the logits, equal to (softmax(z) − onehot)·Wᵀ', async () => {
  const units = [
    [0.5, -0.2, 0.1, 0.3],
    [-0.4, 0.6, 0.2, -0.1],
    [0.1, 0.1, -0.5, 0.4],
  ];
  const bias = [0.1, 0, -0.1];
  const classifier = classifierOf(denseModel([2, 2, 1], kernelFromUnits(units), bias, 'softmax'));
  const x = image([0.3, 0.7, 0.2, 0.9]);
  const z = units.map((u, k) => u.reduce((s, wi, i) => s + wi * x[i], bias[k]));
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
  assertClose(await classifier.probabilities(x), p, 1e-6);

  const label = 2;
  const expected = [0, 1, 2, 3].map((i) => units.reduce((s, u, k) => s + (p[k] - (k === label ? 1 : 0)) * u[i], 0));
  const result = await classifier.lossGradient(x, label);
  assert.equal(result?.loss, 'cross-entropy');
  assertClose(result!.gradient, expected, 1e-6);
  classifier.dispose();
});

test('softmax whose p_y rounds to 1: cross-entropy vanishes, the logit margin gives the direction', async () => {
  const units = [
    [300, 0, 0, 0],
    [0, 50, 0, 0],
    [0, 0, -30, 0],
  ];
  const classifier = classifierOf(denseModel([2, 2, 1], kernelFromUnits(units), [0, 0, 0], 'softmax'));
  const x = image([1, 0.5, 0.5, 0.5]);
  assert.equal((await classifier.probabilities(x))[0], 1);
  const result = await classifier.lossGradient(x, 0);
  assert.equal(result?.loss, 'margin');
  // max_{k≠0} z_k is z_1 = 25: the gradient of z_1 − z_0.
  assert.deepEqual(Array.from(result!.gradient), [-300, 50, 0, 0]);
  classifier.dispose();
});

test('every gradient zero: lossGradient answers null', async () => {
  const classifier = classifierOf(denseModel([2, 2, 1], kernelFromUnits([[0, 0, 0, 0], [0, 0, 0, 0]]), [1, 0], 'softmax'));
  assert.equal(await classifier.lossGradient(image([0.1, 0.2, 0.3, 0.4]), 0), null);
  classifier.dispose();
});

test('a single linear output is a logit: class 1 iff z > 0, probabilities through the sigmoid', async () => {
  const classifier = classifierOf(denseModel([2, 2, 1], kernelFromUnits([[1, 0, 0, 0]]), [-0.5], 'linear'));
  assert.equal(classifier.classCount, 2);
  assert.deepEqual(Array.from(await classifier.predict(image([0.2, 0, 0, 0, 0.8, 0, 0, 0]), 2)), [0, 1]);
  const p = 1 / (1 + Math.exp(0.3));
  assertClose(await classifier.probabilities(image([0.2, 0, 0, 0])), [1 - p, p], 1e-6);
  classifier.dispose();
});

test('predictPerturbed: x + s·v for one shared direction and for per-row directions, with and without clipping', async () => {
  // z = x0 − 0.5 (logit of a sigmoid unit): class 1 iff x0 > 0.5.
  const classifier = classifierOf(denseModel([2, 2, 1], kernelFromUnits([[1, 0, 0, 0]]), [-0.5], 'sigmoid'));
  const x = image([0.2, 0.1, 0.1, 0.1]);
  const along = image([1, 0, 0, 0]);
  const scales = Float32Array.from([0.1, 0.2, 0.4, 0.6]);
  assert.deepEqual(Array.from(await classifier.predictPerturbed(x, along, 1, scales, false)), [0, 0, 1, 1]);

  const rows = image([1, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(Array.from(await classifier.predictPerturbed(x, rows, 3, Float32Array.from([0.5, 0.5, 5]), false)), [1, 0, 0]);

  // z = −x0 − 0.1, class 1 iff x0 < −0.1: x0 = 0.2 − 0.5 is class 1, clipped to 0 it is class 0.
  const flipped = classifierOf(denseModel([2, 2, 1], kernelFromUnits([[-1, 0, 0, 0]]), [-0.1], 'sigmoid'));
  const down = image([-1, 0, 0, 0]);
  const half = Float32Array.from([0.5]);
  assert.deepEqual(Array.from(await flipped.predictPerturbed(x, down, 1, half, false)), [1]);
  assert.deepEqual(Array.from(await flipped.predictPerturbed(x, down, 1, half, true)), [0]);
  await assert.rejects(classifier.predictPerturbed(x, rows, 2, scales, false), /directions/);
  classifier.dispose();
  flipped.dispose();
});

test('batches larger than the memory budget allows are split, with the same answers', async () => {
  const model = smallCnn([6, 6, 1], 3, 'softmax');
  const whole = classifierOf(model, 100);
  const split = classifierOf(model, 2);
  const set = unitBallSamples(7, 36, 3);
  const x = new Float32Array(36).fill(0.4);
  const scales = new Float32Array(7).fill(3);
  assert.deepEqual(
    Array.from(await split.predictPerturbed(x, set.directions, 7, scales, false)),
    Array.from(await whole.predictPerturbed(x, set.directions, 7, scales, false)),
  );
  const batch = set.directions.map((v) => 0.5 + v);
  assert.deepEqual(Array.from(await split.predict(batch, 7)), Array.from(await whole.predict(batch, 7)));
  whole.dispose();
});

test('no tensor leaks: the tensor count stays flat from image to image through the whole protocol', async () => {
  const classifier = classifierOf(smallCnn([8, 8, 1], 3, 'softmax'), 16);
  const set = unitBallSamples(40, 64, 5);
  const settings = { attack: 'fgm-line', scales: 32, maxEps: 8, alphas: [1, 2], clip: false, batchSize: 16 };
  const images = [0.1, 0.5, 0.9, 0.3].map((level, n) => Float32Array.from({ length: 64 }, (_, i) => (i % (n + 3) === 0 ? 1 - level : level)));
  const counts: number[] = [];
  let attacked = 0;
  for (const x of images) {
    const label = (await classifier.predict(x, 1))[0];
    const result = await analyseImage(classifier, x, label, settings, set);
    if (result.adversarial) attacked++;
    counts.push(tf.memory().numTensors);
  }
  assert.ok(attacked > 0, 'at least one image went through the random stage');
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts ${counts.join(', ')}`);
  const held = tf.memory().numTensors;
  classifier.dispose();
  assert.ok(tf.memory().numTensors < held, 'dispose frees the model and the cached directions');
});

test('direction rows past the device cache budget are uploaded per call: same predictions, nothing kept', async () => {
  const model = smallCnn([6, 6, 1], 2, 'sigmoid');
  const cached = classifierOf(model);
  const uncached = new TfClassifier(runtimeTf, layersLoadedModel(runtimeTf, model), 64, 0);
  const set = unitBallSamples(9, 36, 11);
  const x = new Float32Array(36).fill(0.6);
  const scales = new Float32Array(9).fill(2.5);
  const before = tf.memory().numTensors;
  const expected = Array.from(await cached.predictPerturbed(x, set.directions, 9, scales, false));
  assert.equal(tf.memory().numTensors, before + 1, 'the cached classifier keeps the uploaded rows');
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(Array.from(await uncached.predictPerturbed(x, set.directions, 9, scales, false)), expected);
    assert.equal(tf.memory().numTensors, before + 1, 'the uncached classifier keeps nothing between calls');
  }
  cached.dispose();
});
