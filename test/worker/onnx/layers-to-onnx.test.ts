// The zoo of small real TF.js layers models (layers-zoo.ts) with seeded weights, each translated to
// ONNX and run on ONNX Runtime against TF.js's own predict on the same seeded inputs.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadBackend } from '../../../src/worker/backends';
import { layersModelToOnnx } from '../../../src/worker/onnx/layers-to-onnx';
import { NotTranslatable } from '../../../src/worker/onnx/onnx-graph';
import { OnnxForward } from '../../../src/worker/onnx/onnx-forward';
import { chain, conv, flatten, layersZoo } from './layers-zoo';
import { seededValues, seedWeights, worstDifference } from './seeded';

const rows = 3;
const tolerance = 1e-5;

before(async () => {
  await loadBackend('wasm');
});

/** TF.js's and ONNX Runtime's outputs for the same seeded inputs in [low, high). */
async function bothOutputs(model: tfl.LayersModel, seed: number, range: [number, number] = [-1, 1]) {
  seedWeights(model, seed);
  const shape = model.inputs[0].shape.slice(1) as number[];
  const images = seededValues(rows * shape.reduce((a, b) => a * b, 1), seed + 1, ...range);
  const expected = tf.tidy(() => (model.predict(tf.tensor(images, [rows, ...shape])) as tf.Tensor).dataSync() as Float32Array);
  const forward = await OnnxForward.create(layersModelToOnnx(model), shape);
  try {
    return { expected, actual: await forward.run(images, rows) };
  } finally {
    await forward.dispose();
    model.dispose();
  }
}

async function assertSameOutputs(model: tfl.LayersModel, seed: number, range?: [number, number]): Promise<void> {
  const { expected, actual } = await bothOutputs(model, seed, range);
  assert.equal(actual.length, expected.length, 'output size');
  assert.ok(expected.some((v) => v !== expected[0]), 'the outputs vary (the case can tell orders apart)');
  const worst = worstDifference(actual, expected);
  assert.ok(worst < tolerance, `ONNX Runtime differs from TF.js by ${worst}`);
}

for (const { name, build, range, seed } of layersZoo) {
  test(name, () => assertSameOutputs(build(), seed ?? 3, range));
}

test('Flatten keeps Keras\'s H·W·C order: the C·H·W order would give other outputs', async () => {
  const [height, width, channels] = [5, 4, 3];
  const model = chain([height, width, 2], conv({ filters: channels }), flatten);
  const { expected, actual } = await bothOutputs(model, 10);
  assert.ok(worstDifference(actual, expected) < tolerance, 'ONNX Runtime gives TF.js\'s outputs');
  // The same values in C·H·W order, as a translation that flattened NCHW directly would return.
  const chw = new Float32Array(expected.length);
  const size = height * width * channels;
  for (let row = 0; row < rows; row++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) chw[row * size + (c * height + y) * width + x] = expected[row * size + (y * width + x) * channels + c];
      }
    }
  }
  assert.ok(worstDifference(actual, chw) > 0.01, 'the orders differ for this model');
});

test('the ONNX model takes any batch size: 1 and 7 images give TF.js\'s outputs', async () => {
  const model = seedWeights(chain([8, 8, 3], conv({ strides: 2, activation: 'relu' }), flatten, () => tfl.layers.dense({ units: 3, activation: 'softmax' })), 11);
  const forward = await OnnxForward.create(layersModelToOnnx(model), [8, 8, 3]);
  for (const count of [1, 7]) {
    const images = seededValues(count * 8 * 8 * 3, count, 0, 1);
    const expected = tf.tidy(() => (model.predict(tf.tensor(images, [count, 8, 8, 3])) as tf.Tensor).dataSync());
    const actual = await forward.run(images, count);
    assert.equal(actual.length, count * 3);
    assert.ok(worstDifference(actual, expected) < tolerance, `${count} images`);
  }
  await forward.dispose();
  model.dispose();
});

test('untranslatable models throw NotTranslatable naming the layer', () => {
  const refused: Array<{ layer: string; build: () => tfl.LayersModel; reason: RegExp }> = [
    {
      layer: 'first_conv',
      build: () => chain([2, 9, 9], () => tfl.layers.conv2d({ name: 'first_conv', filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }), flatten),
      reason: /data format channelsFirst/,
    },
    { layer: 'bigger', build: () => chain([4, 4, 1], () => tfl.layers.upSampling2d({ name: 'bigger' }), flatten), reason: /UpSampling2D is not translated/ },
    { layer: 'temporal', build: () => chain([9, 2], () => tfl.layers.conv1d({ name: 'temporal', filters: 2, kernelSize: 3 }), flatten), reason: /Conv1D/ },
    { layer: 'recurrent', build: () => chain([5, 3], () => tfl.layers.lstm({ name: 'recurrent', units: 2, recurrentInitializer: 'glorotUniform' })), reason: /LSTM/ },
    { layer: 'swishy', build: () => chain([5, 5, 1], conv({ name: 'swishy', activation: 'swish' }), flatten), reason: /activation 'swish'/ },
    {
      // TF.js's layer runs without its dilation rate, which a translation would honour.
      layer: 'dilated_depthwise',
      build: () => chain([9, 9, 2], () => tfl.layers.depthwiseConv2d({ name: 'dilated_depthwise', kernelSize: 3, dilationRate: 2, padding: 'same' }), flatten),
      reason: /without its dilation rate/,
    },
    { layer: 'rows_norm', build: () => chain([5, 5, 2], () => tfl.layers.batchNormalization({ name: 'rows_norm', axis: 1 }), flatten), reason: /axis 1/ },
  ];
  for (const { layer, build, reason } of refused) {
    const model = build();
    assert.throws(
      () => layersModelToOnnx(model),
      (error: unknown) => error instanceof NotTranslatable && error.message.includes(layer) && reason.test(error.message),
      layer,
    );
    model.dispose();
  }
});

test('a layer applied twice, two outputs, or a 4-D output are refused', () => {
  const input = tfl.input({ shape: [4, 4, 1] });
  const shared = tfl.layers.conv2d({ name: 'shared_conv', filters: 1, kernelSize: 1 });
  const twice = shared.apply(shared.apply(input)) as tfl.SymbolicTensor;
  const sharedModel = tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(twice) as tfl.SymbolicTensor });
  assert.throws(() => layersModelToOnnx(sharedModel), (error: unknown) => error instanceof NotTranslatable && /shared_conv is used 2 times/.test(error.message));

  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const twoOutputs = tfl.model({ inputs: input, outputs: [tfl.layers.dense({ units: 2 }).apply(flat) as tfl.SymbolicTensor, flat] });
  assert.throws(() => layersModelToOnnx(twoOutputs), (error: unknown) => error instanceof NotTranslatable && /one input and one output/.test(error.message));

  const spatial = chain([4, 4, 1], conv());
  assert.throws(() => layersModelToOnnx(spatial), (error: unknown) => error instanceof NotTranslatable && /not \[batch, classes\]/.test(error.message));
});
