// OnnxForward over a translated model: batches that are views into a larger array (as the
// classifiers pass chunks), more than one thread, and a released session.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../../../src/worker/backends';
import { layersModelToOnnx } from '../../../src/worker/onnx/layers-to-onnx';
import { loadOnnxRuntime, OnnxForward } from '../../../src/worker/onnx/onnx-forward';
import { smallCnn } from '../models';
import { seededValues, seedWeights, worstDifference } from './seeded';

const shape = [7, 7, 2];
const d = 7 * 7 * 2;

before(async () => {
  await loadBackend('wasm');
});

test('onnxruntime-node loads from node_modules', () => {
  const ort = loadOnnxRuntime();
  assert.equal(typeof ort.InferenceSession.create, 'function');
});

test('a batch that is a view into a larger array is read from its own offset', async () => {
  const model = seedWeights(smallCnn(shape, 3, 'softmax'), 1);
  const forward = await OnnxForward.create(layersModelToOnnx(model), shape);
  const all = seededValues(6 * d, 2, 0, 1);
  const view = all.subarray(2 * d, 5 * d);
  const fromView = await forward.run(view, 3);
  const fromCopy = await forward.run(Float32Array.from(view), 3);
  assert.deepEqual(Array.from(fromView), Array.from(fromCopy));
  const expected = tf.tidy(() => (model.predict(tf.tensor(view, [3, ...shape])) as tf.Tensor).dataSync());
  assert.ok(worstDifference(fromView, expected) < 1e-5, 'the rows of the view, not of the whole array');
  await forward.dispose();
  model.dispose();
});

test('two intra-op threads give the one-thread outputs', async () => {
  const model = seedWeights(smallCnn(shape, 3, 'sigmoid'), 3);
  const bytes = layersModelToOnnx(model);
  const images = seededValues(4 * d, 4, 0, 1);
  const one = await OnnxForward.create(bytes, shape, 1);
  const two = await OnnxForward.create(bytes, shape, 2);
  assert.ok(worstDifference(await two.run(images, 4), await one.run(images, 4)) < 1e-6, 'same outputs');
  await Promise.all([one.dispose(), two.dispose()]);
  model.dispose();
});

test('a batch of the wrong size and a released session fail with an error', async () => {
  const model = seedWeights(smallCnn(shape, 3, 'softmax'), 5);
  const forward = await OnnxForward.create(layersModelToOnnx(model), shape);
  await assert.rejects(forward.run(new Float32Array(d + 1), 1), Error);
  await forward.dispose();
  await assert.rejects(forward.run(new Float32Array(d), 1), Error);
  model.dispose();
});
