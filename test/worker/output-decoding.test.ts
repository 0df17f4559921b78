// Classes and probabilities from plain output arrays (the ONNX Runtime path): the thresholds,
// the first-maximum tie rule, and agreement with TfClassifier reading the same model's outputs.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBackend } from '../../src/worker/backends';
import { layersLoadedModel } from '../../src/worker/model/layers-model';
import type { OutputActivation } from '../../src/worker/model/loaded-model';
import { classesFromOutputs, probabilitiesFromOutputs } from '../../src/worker/model/output-decoding';
import { TfClassifier } from '../../src/worker/model/tf-classifier';
import type { Tf } from '../../src/worker/tf';
import { denseModel } from './models';
import { seededValues } from './onnx/seeded';

let runtimeTf: Tf;

before(async () => {
  runtimeTf = (await loadBackend('wasm')).tf;
});

const classes = (values: number[], rows: number, outputCount: number, activation: OutputActivation) =>
  Array.from(classesFromOutputs(Float32Array.from(values), rows, outputCount, activation));

test('one sigmoid output: class 1 when p > 0.5, strictly', () => {
  assert.deepEqual(classes([0.2, 0.5, 0.50001, 0.9, 0, 1], 6, 1, 'sigmoid'), [0, 0, 1, 1, 0, 1]);
});

test('one linear output (a logit): class 1 when z > 0, strictly', () => {
  assert.deepEqual(classes([-3, 0, -0, 1e-7, 0.4, 12], 6, 1, 'linear'), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(classes([0.4], 1, 1, 'sigmoid'), [0], 'the same value under a sigmoid is p < 0.5');
});

test('k outputs: the first largest wins ties, as argMax does', () => {
  const rows = [
    [0.1, 0.7, 0.2],
    [0.4, 0.2, 0.4],
    [0.1, 0.45, 0.45],
    [0.3, 0.3, 0.3],
    [-5, -2, -3],
    [0, 0, 1e-7],
  ];
  assert.deepEqual(classes(rows.flat(), rows.length, 3, 'softmax'), [1, 0, 1, 0, 1, 2]);
  assert.deepEqual(classes(rows.flat(), rows.length, 3, 'linear'), [1, 0, 1, 0, 1, 2], 'the activation does not matter');
  assert.deepEqual(classes([1, 2], 1, 2, 'softmax'), [1], 'two outputs are two classes, not a threshold');
  assert.deepEqual(classes([], 0, 3, 'softmax'), [], 'no rows');
});

test('an output array that is not rows × outputs is refused', () => {
  assert.throws(() => classesFromOutputs(new Float32Array(7), 2, 3, 'softmax'), /^Error: 7 outputs are not 2 rows of 3$/);
  assert.throws(() => classesFromOutputs(new Float32Array(2), 3, 1, 'sigmoid'), /2 outputs are not 3 rows of 1/);
});

test('probabilities: [1 − p, p] for a sigmoid, sigmoid(z) for a logit, the softmax of logits', () => {
  assert.deepEqual(Array.from(probabilitiesFromOutputs(Float32Array.of(0.75), 'sigmoid')), [0.25, 0.75]);
  const [q, p] = probabilitiesFromOutputs(Float32Array.of(Math.log(3)), 'linear');
  assert.ok(Math.abs(p - 0.75) < 1e-7 && Math.abs(q - 0.25) < 1e-7, `sigmoid(ln 3) = 0.75, got ${p}`);

  const own = Float32Array.of(0.1, 0.6, 0.3);
  const copied = probabilitiesFromOutputs(own, 'softmax');
  assert.deepEqual(Array.from(copied), Array.from(own), "a softmax model's outputs are its probabilities");
  assert.notEqual(copied, own, 'a copy, not the caller\'s array');

  const softmax = probabilitiesFromOutputs(Float32Array.of(1, 2, 3), 'linear');
  const e = [1, 2, 3].map(Math.exp);
  const sum = e.reduce((a, b) => a + b, 0);
  softmax.forEach((v, k) => assert.ok(Math.abs(v - e[k] / sum) < 1e-7, `class ${k}`));
  const large = Array.from(probabilitiesFromOutputs(Float32Array.of(1000, 999, 0), 'linear'));
  assert.ok(large.every(Number.isFinite), `large logits stay finite: ${large}`);
  assert.ok(Math.abs(large[0] - 1 / (1 + Math.exp(-1))) < 1e-6 && large[2] === 0, `${large}`);
});

/** Weights for Flatten → Dense on 2x2x1 images: kernel [4, units]. */
function seededKernel(units: number, seed: number): number[][] {
  const values = seededValues(4 * units, seed);
  return Array.from({ length: 4 }, (_, i) => Array.from(values.subarray(i * units, (i + 1) * units)));
}

test('TfClassifier and the plain decoding agree on the same outputs, ties and thresholds included', async () => {
  const zero = (units: number) => Array.from({ length: 4 }, () => new Array<number>(units).fill(0));
  const models: Array<{ name: string; kernel: number[][]; bias: number[]; activation: 'sigmoid' | 'softmax' | 'linear' }> = [
    { name: 'sigmoid', kernel: seededKernel(1, 1), bias: [0.1], activation: 'sigmoid' },
    { name: 'single logit', kernel: seededKernel(1, 2), bias: [-0.1], activation: 'linear' },
    { name: 'softmax', kernel: seededKernel(3, 3), bias: [0.1, 0, -0.1], activation: 'softmax' },
    { name: 'logits', kernel: seededKernel(4, 4), bias: [0, 0.2, 0, -0.2], activation: 'linear' },
    { name: 'sigmoid at exactly 0.5', kernel: zero(1), bias: [0], activation: 'sigmoid' },
    { name: 'logit at exactly 0', kernel: zero(1), bias: [0], activation: 'linear' },
    { name: 'tied logits', kernel: zero(3), bias: [0.1, 0.3, 0.3], activation: 'linear' },
    { name: 'tied probabilities', kernel: zero(3), bias: [0.2, 0.2, 0.1], activation: 'softmax' },
  ];
  const count = 24;
  const images = seededValues(count * 4, 5);
  for (const { name, kernel, bias, activation } of models) {
    const loaded = layersLoadedModel(runtimeTf, denseModel([2, 2, 1], kernel, bias, activation));
    const classifier = new TfClassifier(runtimeTf, loaded, 64);
    const outputs = await classifier.outputs(images, count);
    assert.equal(outputs.length, count * loaded.outputCount, name);
    const decoded = classesFromOutputs(outputs, count, loaded.outputCount, loaded.outputActivation);
    assert.deepEqual(Array.from(decoded), Array.from(await classifier.predict(images, count)), `${name}: classes`);
    for (let row = 0; row < 3; row++) {
      const own = outputs.subarray(row * loaded.outputCount, (row + 1) * loaded.outputCount);
      const expected = await classifier.probabilities(images.subarray(row * 4, (row + 1) * 4));
      const actual = probabilitiesFromOutputs(own, loaded.outputActivation);
      assert.equal(actual.length, classifier.classCount, name);
      actual.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-6, `${name}: probability ${k}: ${v} vs ${expected[k]}`));
    }
    if (name.startsWith('sigmoid at') || name.startsWith('logit at')) assert.ok(decoded.every((c) => c === 0), `${name}: the boundary is class 0`);
    if (name === 'tied logits') assert.ok(decoded.every((c) => c === 1), 'tied logits: the first of the tied maxima');
    if (name === 'tied probabilities') assert.ok(decoded.every((c) => c === 0), 'tied probabilities: the first of the tied maxima');
    classifier.dispose();
  }
});
