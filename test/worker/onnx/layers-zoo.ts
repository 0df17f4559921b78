// The TF.js layers-model zoo of the ONNX tests: small real models built here, each one layer
// configuration or composition the translator (src/worker/onnx/layers-to-onnx.ts) handles. Odd
// input sizes make TF's 'same' padding asymmetric; Flatten and Reshape check that Keras's H·W·C
// order survives NCHW. layers-to-onnx.test.ts compares ONNX Runtime's outputs with TF.js's on
// every model, zoo-gradients.test.ts the input gradients.
import * as tfl from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';

export type LayerFactory = () => Layer;

/** input → layers… as a functional model. */
export function chain(shape: number[], ...layers: LayerFactory[]): tfl.LayersModel {
  const input = tfl.input({ shape });
  let value = input;
  for (const layer of layers) value = layer().apply(value) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: value });
}

export const conv = (config: Partial<Parameters<typeof tfl.layers.conv2d>[0]> = {}) => () =>
  tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', ...config });
export const flatten = () => tfl.layers.flatten();

export interface LayersCase {
  name: string;
  build: () => tfl.LayersModel;
  /** Input range; wide for activations, so that relu6 and hardSigmoid saturate. */
  range?: [number, number];
  /** Weight seed (default 3); inputs use seed + 1. */
  seed?: number;
}

const activations = ['relu', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'relu6', 'softmax', 'linear'] as const;

const singleLayerCases: LayersCase[] = [
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

function threeBranches(merge: () => Layer): tfl.LayersModel {
  const input = tfl.input({ shape: [9, 9, 2] });
  const left = conv({ filters: 4, activation: 'relu' })().apply(input) as tfl.SymbolicTensor;
  const right = conv({ filters: 4, kernelSize: 2, strides: 1 })().apply(input) as tfl.SymbolicTensor;
  const branches = [left, right, conv({ filters: 4, kernelSize: 1 })().apply(input) as tfl.SymbolicTensor];
  const merged = merge().apply(branches) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(merged) as tfl.SymbolicTensor });
}

function inputPlusConv(merge: () => Layer): tfl.LayersModel {
  const input = tfl.input({ shape: [9, 9, 2] });
  const branch = conv({ filters: 2 })().apply(input) as tfl.SymbolicTensor;
  const merged = merge().apply([input, branch]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(merged) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(pooled) as tfl.SymbolicTensor });
}

function denseMerges(): tfl.LayersModel {
  const input = tfl.input({ shape: [9, 9, 1] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const a = tfl.layers.dense({ units: 4 }).apply(flat) as tfl.SymbolicTensor;
  const b = tfl.layers.dense({ units: 4, activation: 'tanh' }).apply(flat) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate({}).apply([a, b, tfl.layers.add({}).apply([a, b]) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(joined) as tfl.SymbolicTensor });
}

function residualBlock(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  const stem = conv({ filters: 4, strides: 2, activation: 'relu' })().apply(input) as tfl.SymbolicTensor;
  let branch = conv({ filters: 4, useBias: false })().apply(stem) as tfl.SymbolicTensor;
  branch = tfl.layers.batchNormalization({}).apply(branch) as tfl.SymbolicTensor;
  branch = tfl.layers.reLU({}).apply(branch) as tfl.SymbolicTensor;
  branch = conv({ filters: 4 })().apply(branch) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({}).apply([stem, branch]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(sum) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(pooled) as tfl.SymbolicTensor });
}

function squeezeExcitation(): tfl.LayersModel {
  const input = tfl.input({ shape: [9, 9, 2] });
  const features = conv({ filters: 4, activation: 'relu' })().apply(input) as tfl.SymbolicTensor;
  let weights = tfl.layers.globalAveragePooling2d({}).apply(features) as tfl.SymbolicTensor;
  weights = tfl.layers.dense({ units: 2, activation: 'relu' }).apply(weights) as tfl.SymbolicTensor;
  weights = tfl.layers.dense({ units: 4, activation: 'sigmoid' }).apply(weights) as tfl.SymbolicTensor;
  weights = tfl.layers.reshape({ targetShape: [1, 1, 4] }).apply(weights) as tfl.SymbolicTensor;
  const scaled = tfl.layers.multiply({}).apply([features, weights]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(scaled) as tfl.SymbolicTensor });
}

function demoLikeCnn(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [9, 9, 3], filters: 4, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 6, kernelSize: 2, padding: 'same', activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 8, activation: 'relu' }));
  model.add(tfl.layers.dense({ units: 1, activation: 'sigmoid' }));
  return model;
}

const compositeCases: LayersCase[] = [
  ...Object.entries(mergeLayers).map(([name, merge]) => ({ name: `merge of three conv branches: ${name}`, build: () => threeBranches(merge), seed: 5 })),
  ...(['add', 'concatenate channels', 'maximum'] as const).map((name) => ({
    name: `merge of a channels-last value with a converted one (the input plus a conv of it): ${name}`,
    build: () => inputPlusConv(name === 'concatenate channels' ? () => tfl.layers.concatenate({}) : mergeLayers[name]),
    seed: 6,
  })),
  { name: 'merges of dense outputs: Concatenate and Add on 2-D values', build: denseMerges, seed: 7 },
  { name: 'a residual block: conv → batch norm → relu → conv, added to the shortcut, pooled, softmax', build: residualBlock, seed: 8 },
  { name: 'a squeeze-and-excitation block: pooled channel weights, reshaped to [1, 1, C], multiply the conv output', build: squeezeExcitation, seed: 12 },
  { name: 'a sequential CNN like the demo model: conv, pool, conv, pool, flatten, dense, dense sigmoid', build: demoLikeCnn, seed: 9 },
];

export const layersZoo: readonly LayersCase[] = [...singleLayerCases, ...compositeCases];
