// Loading models from disk with the worker's own file handler: layers models saved in the test,
// a hand-written graph model, and the errors a user sees for models the worker cannot audit.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadBackend } from '../../src/worker/backends';
import { batchSizeFor, batchMegabytes } from '../../src/worker/batch-size';
import { imageGeometry } from '../../src/worker/model/input-shape';
import { loadModel } from '../../src/worker/model/load-model';
import { TfClassifier } from '../../src/worker/model/tf-classifier';
import type { Tf } from '../../src/worker/tf';
import { denseModel, kernelFromUnits, saveModel, smallCnn, temporaryFolder } from './models';
import { graphModelBias, graphModelKernel, writeGraphModel } from '../fixtures/graph-model';

let runtimeTf: Tf;
const folder = temporaryFolder('model');

before(async () => {
  runtimeTf = (await loadBackend('wasm')).tf;
});

process.on('exit', () => rmSync(folder, { recursive: true, force: true }));

async function saved(model: tfl.LayersModel, name: string): Promise<string> {
  return saveModel(model, join(folder, name));
}

test('a layers model saved as model.json + weights.bin loads back with the same outputs', async () => {
  const model = smallCnn([6, 6, 3], 4, 'softmax');
  const path = await saved(model, 'cnn');
  assert.ok(existsSync(join(folder, 'cnn', 'weights.bin')));
  const manifest = JSON.parse(readFileSync(path, 'utf8')).weightsManifest;
  assert.deepEqual(manifest[0].paths, ['weights.bin']);

  const loaded = await loadModel(runtimeTf, path);
  assert.equal(loaded.format, 'layers-model');
  assert.deepEqual(loaded.geometry, { height: 6, width: 6, channels: 3, shape: [6, 6, 3] });
  assert.equal(loaded.outputCount, 4);
  assert.equal(loaded.outputActivation, 'softmax');
  const x = tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 1);
  const expected = (model.predict(x) as tf.Tensor).arraySync() as number[][];
  const actual = loaded.outputs(x).arraySync();
  actual.forEach((row, n) => row.forEach((v, k) => assert.ok(Math.abs(v - expected[n][k]) < 1e-6)));
  // The logits are the pre-softmax outputs.
  const fromLogits = tf.softmax(loaded.logits(x)).arraySync() as number[][];
  fromLogits.forEach((row, n) => row.forEach((v, k) => assert.ok(Math.abs(v - expected[n][k]) < 1e-6)));
  loaded.dispose();
  model.dispose();
});

test('the head: a separate Activation or Softmax layer, a fused sigmoid, or plain logits', async () => {
  const input = tfl.input({ shape: [2, 2, 1] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const dense = tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(flat) as tfl.SymbolicTensor;
  const cases: Array<[string, tfl.LayersModel, string]> = [
    ['activation-layer', tfl.model({ inputs: input, outputs: tfl.layers.activation({ activation: 'softmax' }).apply(dense) as tfl.SymbolicTensor }), 'softmax'],
    ['softmax-layer', tfl.model({ inputs: input, outputs: tfl.layers.softmax().apply(dense) as tfl.SymbolicTensor }), 'softmax'],
    ['logits', tfl.model({ inputs: input, outputs: dense }), 'linear'],
    ['sigmoid', denseModel([2, 2, 1], kernelFromUnits([[1, 2, 3, 4]]), [0.5], 'sigmoid'), 'sigmoid'],
  ];
  const x = tf.tensor([0.1, 0.2, 0.3, 0.4], [1, 2, 2, 1]);
  for (const [name, model, activation] of cases) {
    const loaded = await loadModel(runtimeTf, await saved(model, name));
    assert.equal(loaded.outputActivation, activation, name);
    const outputs = loaded.outputs(x);
    const logits = loaded.logits(x);
    const squash = activation === 'softmax' ? tf.softmax(logits) : activation === 'sigmoid' ? tf.sigmoid(logits) : logits;
    const difference = tf.max(tf.abs(tf.sub(squash, outputs))).dataSync()[0];
    assert.ok(difference < 1e-6, `${name}: outputs are the activation of the logits`);
    if (name === 'sigmoid') assert.ok(Math.abs(logits.dataSync()[0] - 3.5) < 1e-6, 'z = w·x + b');
    loaded.dispose();
  }
});

test('models the worker cannot audit are refused with a one-line reason', async () => {
  const dynamicInput = tfl.input({ shape: [null, null, 3] });
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(dynamicInput) as tfl.SymbolicTensor;
  const dynamic = tfl.model({ inputs: dynamicInput, outputs: tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(pooled) as tfl.SymbolicTensor });
  await assert.rejects(loadModel(runtimeTf, await saved(dynamic, 'dynamic')), /unknown sizes/);

  const tanh = denseModel([2, 2, 1], kernelFromUnits([[1, 1, 1, 1]]), [0], 'tanh');
  await assert.rejects(loadModel(runtimeTf, await saved(tanh, 'tanh')), /output activation 'tanh' .* not supported/);

  const flat = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [10], units: 2 })] });
  await assert.rejects(loadModel(runtimeTf, await saved(flat, 'flat')), /is not an image/);

  const missingWeights = await saved(smallCnn([4, 4, 1], 2, 'softmax'), 'missing-weights');
  rmSync(join(folder, 'missing-weights', 'weights.bin'));
  await assert.rejects(loadModel(runtimeTf, missingWeights), /weight file weights\.bin listed in model\.json is missing/);

  const notJson = join(folder, 'broken.json');
  writeFileSync(notJson, '{ "modelTopology": ');
  await assert.rejects(loadModel(runtimeTf, notJson), /broken\.json is not valid JSON/);
  await assert.rejects(loadModel(runtimeTf, join(folder, 'nowhere.json')), /model file not found/);
  await assert.rejects(loadModel(runtimeTf, folder), /is a folder/);
});

test('input shapes: NHWC and gray [h, w] are images; channels-first and odd channel counts are refused', () => {
  assert.deepEqual(imageGeometry([null, 28, 28]), { height: 28, width: 28, channels: 1, shape: [28, 28] });
  assert.deepEqual(imageGeometry([null, 32, 24, 3]), { height: 32, width: 24, channels: 3, shape: [32, 24, 3] });
  assert.throws(() => imageGeometry([null, 3, 224, 224]), /channels-first/);
  assert.throws(() => imageGeometry([null, 8, 8, 5]), /5 channels/);
});

test('a graph model (tfjs-converter format) loads; its logits are the input of its Softmax node', async () => {
  const dir = join(folder, 'graph');
  writeGraphModel(dir);
  const kernel = graphModelKernel;
  const bias = graphModelBias;

  const loaded = await loadModel(runtimeTf, join(dir, 'model.json'));
  assert.equal(loaded.format, 'graph-model');
  assert.equal(loaded.outputCount, 3);
  assert.equal(loaded.outputActivation, 'softmax');
  const x = [0.1, 0.9, 0.4, 0.6];
  const z = [0, 1, 2].map((k) => x.reduce((s, xi, i) => s + xi * kernel[i][k], bias[k]));
  const logits = loaded.logits(tf.tensor(x, [1, 2, 2, 1])).dataSync();
  z.forEach((v, k) => assert.ok(Math.abs(logits[k] - v) < 1e-6));

  const classifier = new TfClassifier(runtimeTf, loaded, 8);
  const label = 1;
  const e = z.map(Math.exp);
  const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
  const expected = [0, 1, 2, 3].map((i) => [0, 1, 2].reduce((s, k) => s + (p[k] - (k === label ? 1 : 0)) * kernel[i][k], 0));
  const gradient = await classifier.lossGradient(Float32Array.from(x), label);
  assert.equal(gradient?.loss, 'cross-entropy');
  gradient!.gradient.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `gradient ${i}`));
  classifier.dispose();
});

test('batch size: as many images as the memory budget holds, from ROBUSTNESS_LENS_BATCH_MB', () => {
  assert.equal(batchSizeFor(1024 * 1024, 64), 16, '64 MB of 4 MB images');
  assert.equal(batchSizeFor(10, 64, 2000), 2000, 'capped');
  assert.equal(batchSizeFor(1e9, 64), 1, 'at least one');
  assert.equal(batchMegabytes({ ROBUSTNESS_LENS_BATCH_MB: '32' }), 32);
  assert.equal(batchMegabytes({}), 256);
  assert.throws(() => batchMegabytes({ ROBUSTNESS_LENS_BATCH_MB: 'lots' }), /ROBUSTNESS_LENS_BATCH_MB must be a positive number/);
});
