// A zoo of small real TF.js layers models with seeded weights, each translated to ONNX and run on
// ONNX Runtime against TF.js's own predict on the same seeded inputs. Odd input sizes make TF's
// 'same' padding asymmetric; Flatten and Reshape check that Keras's H·W·C order survives NCHW.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { loadBackend } from '../../../src/worker/backends';
import { layersModelToOnnx } from '../../../src/worker/onnx/layers-to-onnx';
import { NotTranslatable } from '../../../src/worker/onnx/onnx-graph';
import { OnnxForward } from '../../../src/worker/onnx/onnx-forward';
import { seededValues, seedWeights, worstDifference } from './seeded';

const rows = 3;
const tolerance = 1e-5;

before(async () => {
  await loadBackend('wasm');
});

type LayerFactory = () => Layer;

/** input → layers… as a functional model. */
function chain(shape: number[], ...layers: LayerFactory[]): tfl.LayersModel {
  const input = tfl.input({ shape });
  let value = input;
  for (const layer of layers) value = layer().apply(value) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: value });
}

const conv = (config: Partial<Parameters<typeof tfl.layers.conv2d>[0]> = {}) => () =>
  tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', ...config });
const flatten = () => tfl.layers.flatten();

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

interface Case {
  name: string;
  build: () => tfl.LayersModel;
  /** Input range; wide for activations, so that relu6 and hardSigmoid saturate. */
  range?: [number, number];
}

const activations = ['relu', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'relu6', 'softmax', 'linear'] as const;

const cases: Case[] = [
  // Conv2D
  { name: 'Conv2D 3x3 same, relu, on 9x9x2', build: () => chain([9, 9, 2], conv({ activation: 'relu' }), flatten) },
  { name: 'Conv2D 3x3 valid on 9x9x2', build: () => chain([9, 9, 2], conv({ padding: 'valid' }), flatten) },
  { name: 'Conv2D 3x3 stride 2 same on 8x8x3 (the odd padding pixel at the end)', build: () => chain([8, 8, 3], conv({ strides: 2 }), flatten) },
  { name: 'Conv2D 2x2 stride 2 same on 9x9x2', build: () => chain([9, 9, 2], conv({ kernelSize: 2, strides: 2 }), flatten) },
  { name: 'Conv2D 3x3 stride 2 valid on 9x9x2', build: () => chain([9, 9, 2], conv({ strides: 2, padding: 'valid' }), flatten) },
  { name: 'Conv2D 4x4 same (even kernel: 1 pixel before, 2 after)', build: () => chain([9, 9, 2], conv({ kernelSize: 4 }), flatten) },
  { name: 'Conv2D 3x2 kernel, strides [1, 2], same, on 9x8x1', build: () => chain([9, 8, 1], conv({ kernelSize: [3, 2], strides: [1, 2] }), flatten) },
  { name: 'Conv2D dilation 2 same on 9x9x2', build: () => chain([9, 9, 2], conv({ dilationRate: 2 }), flatten) },
  { name: 'Conv2D dilation 2 valid on 9x9x2', build: () => chain([9, 9, 2], conv({ dilationRate: 2, padding: 'valid' }), flatten) },
  { name: 'Conv2D without bias', build: () => chain([9, 9, 2], conv({ useBias: false, activation: 'tanh' }), flatten) },
  { name: 'Conv2D 1x1 then 3x3 stride 2 same', build: () => chain([9, 9, 3], conv({ kernelSize: 1, filters: 4 }), conv({ strides: 2, activation: 'relu' }), flatten) },
  ...activations.map((activation) => ({
    name: `Conv2D activation ${activation}`,
    build: () => chain([5, 5, 2], conv({ activation }), flatten),
    range: [-8, 8] as [number, number],
  })),
  ...(['softmax', 'sigmoid', 'selu', 'hardSigmoid'] as const).map((activation) => ({
    name: `Dense activation ${activation}`,
    build: () => chain([6], () => tfl.layers.dense({ units: 4, activation })),
    range: [-8, 8] as [number, number],
  })),

  // DepthwiseConv2D
  { name: 'DepthwiseConv2D depthMultiplier 2, 3x3 same on 9x9x2', build: () => chain([9, 9, 2], () => tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }), flatten) },
  {
    name: 'DepthwiseConv2D depthMultiplier 2, stride 2 valid, no bias, relu',
    build: () => chain([9, 9, 3], () => tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, useBias: false, activation: 'relu' }), flatten),
  },
  { name: 'DepthwiseConv2D stride 2 same on 8x8x3', build: () => chain([8, 8, 3], () => tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }), flatten) },
  {
    name: 'separable-style block: DepthwiseConv2D then 1x1 Conv2D',
    build: () => chain([9, 9, 2], () => tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 3, padding: 'same' }), conv({ kernelSize: 1, filters: 4 }), flatten),
  },

  // Pooling
  ...(['maxPooling2d', 'averagePooling2d'] as const).flatMap((pool) => [
    { name: `${pool} 3x3 stride 2 same on 8x8x3`, build: () => chain([8, 8, 3], () => tfl.layers[pool]({ poolSize: 3, strides: 2, padding: 'same' }), flatten) },
    { name: `${pool} 3x3 stride 2 valid on 9x9x2`, build: () => chain([9, 9, 2], () => tfl.layers[pool]({ poolSize: 3, strides: 2, padding: 'valid' }), flatten) },
    { name: `${pool} 2x2 stride 1 same on 9x9x2`, build: () => chain([9, 9, 2], () => tfl.layers[pool]({ poolSize: 2, strides: 1, padding: 'same' }), flatten) },
    { name: `${pool} 2x2 default strides on 9x9x2 (the last row dropped)`, build: () => chain([9, 9, 2], () => tfl.layers[pool]({ poolSize: 2 }), flatten) },
    { name: `${pool} 2x2 default strides same on 9x9x2`, build: () => chain([9, 9, 2], () => tfl.layers[pool]({ poolSize: 2, padding: 'same' }), flatten) },
    { name: `${pool} [2, 3] strides [1, 2] same after a conv`, build: () => chain([9, 9, 2], conv(), () => tfl.layers[pool]({ poolSize: [2, 3], strides: [1, 2], padding: 'same' }), flatten) },
  ]),
  { name: 'GlobalMaxPooling2D after a conv', build: () => chain([9, 9, 2], conv({ filters: 5 }), () => tfl.layers.globalMaxPooling2d({})) },
  { name: 'GlobalAveragePooling2D on the input', build: () => chain([9, 9, 3], () => tfl.layers.globalAveragePooling2d({})) },
  { name: 'GlobalAveragePooling2D after a conv, then Dense softmax', build: () => chain([8, 8, 3], conv({ filters: 6, activation: 'relu' }), () => tfl.layers.globalAveragePooling2d({}), () => tfl.layers.dense({ units: 3, activation: 'softmax' })) },

  // Flatten, Reshape, Dense
  { name: 'Flatten after conv and max pooling, then Dense', build: () => chain([9, 9, 2], conv({ filters: 4 }), () => tfl.layers.maxPooling2d({ poolSize: 2 }), flatten, () => tfl.layers.dense({ units: 5 })) },
  { name: 'Flatten of the input itself', build: () => chain([4, 5, 3], flatten) },
  { name: 'Reshape of a conv output to one axis', build: () => chain([5, 5, 2], conv({ filters: 4 }), () => tfl.layers.reshape({ targetShape: [100] })) },
  {
    name: 'Dense → Reshape to 4x4x2 → Conv2D → Flatten',
    build: () => chain([6], () => tfl.layers.dense({ units: 32 }), () => tfl.layers.reshape({ targetShape: [4, 4, 2] }), conv({ filters: 2 }), flatten),
  },
  { name: 'Reshape of a conv output to [5, 10], Dense on 3-D, Flatten', build: () => chain([5, 5, 2], conv({ filters: 2 }), () => tfl.layers.reshape({ targetShape: [5, 10] }), () => tfl.layers.dense({ units: 3 }), flatten) },
  { name: 'Dense on 2-D input, tanh then softmax', build: () => chain([6], () => tfl.layers.dense({ units: 5, activation: 'tanh' }), () => tfl.layers.dense({ units: 3, activation: 'softmax' })) },
  { name: 'Dense without bias', build: () => chain([7], () => tfl.layers.dense({ units: 4, useBias: false })) },
  { name: 'Dense on 3-D input (MatMul over the last axis)', build: () => chain([4, 5], () => tfl.layers.dense({ units: 3, activation: 'relu' }), flatten) },
  { name: 'Dense straight on a conv output (over channels)', build: () => chain([5, 5, 2], conv({ filters: 4 }), () => tfl.layers.dense({ units: 3 }), flatten) },

  // BatchNormalization
  { name: 'BatchNormalization after a conv', build: () => chain([9, 9, 2], conv({ filters: 4 }), () => tfl.layers.batchNormalization({}), flatten) },
  { name: 'BatchNormalization on the input', build: () => chain([5, 5, 3], () => tfl.layers.batchNormalization({ epsilon: 0.01 }), flatten) },
  { name: 'BatchNormalization after a dense', build: () => chain([6], () => tfl.layers.dense({ units: 5 }), () => tfl.layers.batchNormalization({}), () => tfl.layers.dense({ units: 2 })) },
  { name: 'BatchNormalization after a dense on 3-D input (over the last axis)', build: () => chain([4, 5], () => tfl.layers.dense({ units: 3 }), () => tfl.layers.batchNormalization({}), flatten) },
  { name: 'BatchNormalization center false', build: () => chain([9, 9, 2], conv(), () => tfl.layers.batchNormalization({ center: false }), flatten) },
  { name: 'BatchNormalization scale false', build: () => chain([9, 9, 2], conv(), () => tfl.layers.batchNormalization({ scale: false }), flatten) },
  { name: 'BatchNormalization center and scale false, after a dense', build: () => chain([6], () => tfl.layers.dense({ units: 4 }), () => tfl.layers.batchNormalization({ center: false, scale: false })) },

  // ZeroPadding2D
  { name: 'ZeroPadding2D [[1, 2], [0, 3]] then a valid conv', build: () => chain([5, 6, 2], () => tfl.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] }), conv({ padding: 'valid' }), flatten) },
  { name: 'ZeroPadding2D [2, 1] (per axis)', build: () => chain([4, 5, 1], () => tfl.layers.zeroPadding2d({ padding: [2, 1] }), conv({ padding: 'valid', strides: 2 }), flatten) },
  { name: 'ZeroPadding2D default (1) after a conv, then max pooling', build: () => chain([7, 7, 1], conv(), () => tfl.layers.zeroPadding2d({}), () => tfl.layers.maxPooling2d({ poolSize: 3, strides: 2 }), flatten) },

  // Activation layers
  { name: 'Activation layer tanh after a conv', build: () => chain([5, 5, 2], conv(), () => tfl.layers.activation({ activation: 'tanh' }), flatten) },
  { name: 'Activation layer softmax after a dense', build: () => chain([6], () => tfl.layers.dense({ units: 4 }), () => tfl.layers.activation({ activation: 'softmax' })) },
  { name: 'ReLU layer', build: () => chain([5, 5, 2], conv(), () => tfl.layers.reLU({}), flatten), range: [-4, 4] },
  { name: 'ReLU layer maxValue 0.5', build: () => chain([5, 5, 2], conv(), () => tfl.layers.reLU({ maxValue: 0.5 }), flatten), range: [-4, 4] },
  { name: 'LeakyReLU layer alpha 0.1', build: () => chain([5, 5, 2], conv(), () => tfl.layers.leakyReLU({ alpha: 0.1 }), flatten) },
  { name: 'LeakyReLU layer default alpha', build: () => chain([6], () => tfl.layers.dense({ units: 4 }), () => tfl.layers.leakyReLU({})) },
  { name: 'ELU layer', build: () => chain([5, 5, 2], conv(), () => tfl.layers.elu({}), flatten), range: [-4, 4] },
  { name: 'Softmax layer on a dense output', build: () => chain([6], () => tfl.layers.dense({ units: 4 }), () => tfl.layers.softmax({})), range: [-4, 4] },
  { name: 'Softmax layer over channels of a conv output', build: () => chain([5, 5, 2], conv({ filters: 4 }), () => tfl.layers.softmax({ axis: -1 }), flatten), range: [-4, 4] },

  // Identity at inference
  { name: 'Dropout, GaussianNoise, AlphaDropout', build: () => chain([5, 5, 2], conv(), () => tfl.layers.dropout({ rate: 0.5 }), flatten, () => tfl.layers.gaussianNoise({ stddev: 1 }), () => tfl.layers.alphaDropout({ rate: 0.5 }), () => tfl.layers.dense({ units: 3 })) },
];

for (const { name, build, range } of cases) {
  test(name, () => assertSameOutputs(build(), 3, range));
}

test('merges of three conv branches: Add, Multiply, Maximum, Minimum, Average, Concatenate', async () => {
  const mergeLayers: Record<string, () => Layer> = {
    add: () => tfl.layers.add({}),
    multiply: () => tfl.layers.multiply({}),
    maximum: () => tfl.layers.maximum({}),
    minimum: () => tfl.layers.minimum({}),
    average: () => tfl.layers.average({}),
    'concatenate channels': () => tfl.layers.concatenate({ axis: -1 }),
    'concatenate width': () => tfl.layers.concatenate({ axis: 2 }),
    'concatenate height': () => tfl.layers.concatenate({ axis: 1 }),
  };
  for (const [name, merge] of Object.entries(mergeLayers)) {
    const input = tfl.input({ shape: [9, 9, 2] });
    const left = conv({ filters: 4, activation: 'relu' })().apply(input) as tfl.SymbolicTensor;
    const right = conv({ filters: 4, kernelSize: 2, strides: 1 })().apply(input) as tfl.SymbolicTensor;
    const branches = [left, right, conv({ filters: 4, kernelSize: 1 })().apply(input) as tfl.SymbolicTensor];
    const merged = merge().apply(branches) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(merged) as tfl.SymbolicTensor });
    await assertSameOutputs(model, 5).catch((error: Error) => assert.fail(`${name}: ${error.message}`));
  }
});

test('merges of a channels-last value with a converted one: the input plus a conv of it', async () => {
  for (const merge of [() => tfl.layers.add({}), () => tfl.layers.concatenate({}), () => tfl.layers.maximum({})]) {
    const input = tfl.input({ shape: [9, 9, 2] });
    const branch = conv({ filters: 2 })().apply(input) as tfl.SymbolicTensor;
    const merged = merge().apply([input, branch]) as tfl.SymbolicTensor;
    const pooled = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(merged) as tfl.SymbolicTensor;
    await assertSameOutputs(tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(pooled) as tfl.SymbolicTensor }), 6);
  }
});

test('merges of dense outputs: Concatenate and Add on 2-D values', async () => {
  const input = tfl.input({ shape: [9, 9, 1] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const a = tfl.layers.dense({ units: 4 }).apply(flat) as tfl.SymbolicTensor;
  const b = tfl.layers.dense({ units: 4, activation: 'tanh' }).apply(flat) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate({}).apply([a, b, tfl.layers.add({}).apply([a, b]) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  await assertSameOutputs(tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(joined) as tfl.SymbolicTensor }), 7);
});

test('a residual block: conv → batch norm → relu → conv, added to the shortcut, pooled, softmax', async () => {
  const input = tfl.input({ shape: [8, 8, 3] });
  const stem = conv({ filters: 4, strides: 2, activation: 'relu' })().apply(input) as tfl.SymbolicTensor;
  let branch = conv({ filters: 4, useBias: false })().apply(stem) as tfl.SymbolicTensor;
  branch = tfl.layers.batchNormalization({}).apply(branch) as tfl.SymbolicTensor;
  branch = tfl.layers.reLU({}).apply(branch) as tfl.SymbolicTensor;
  branch = conv({ filters: 4 })().apply(branch) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({}).apply([stem, branch]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(sum) as tfl.SymbolicTensor;
  await assertSameOutputs(tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(pooled) as tfl.SymbolicTensor }), 8);
});

test('a squeeze-and-excitation block: pooled channel weights, reshaped to [1, 1, C], multiply the conv output', async () => {
  const input = tfl.input({ shape: [9, 9, 2] });
  const features = conv({ filters: 4, activation: 'relu' })().apply(input) as tfl.SymbolicTensor;
  let weights = tfl.layers.globalAveragePooling2d({}).apply(features) as tfl.SymbolicTensor;
  weights = tfl.layers.dense({ units: 2, activation: 'relu' }).apply(weights) as tfl.SymbolicTensor;
  weights = tfl.layers.dense({ units: 4, activation: 'sigmoid' }).apply(weights) as tfl.SymbolicTensor;
  weights = tfl.layers.reshape({ targetShape: [1, 1, 4] }).apply(weights) as tfl.SymbolicTensor;
  const scaled = tfl.layers.multiply({}).apply([features, weights]) as tfl.SymbolicTensor;
  await assertSameOutputs(tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(scaled) as tfl.SymbolicTensor }), 12);
});

test('a sequential CNN like the demo model: conv, pool, conv, pool, flatten, dense, dense sigmoid', async () => {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [9, 9, 3], filters: 4, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 6, kernelSize: 2, padding: 'same', activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 8, activation: 'relu' }));
  model.add(tfl.layers.dense({ units: 1, activation: 'sigmoid' }));
  await assertSameOutputs(model, 9);
});

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
