// The FLOP counter against hand-computed counts, on real TF.js layers models built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { countFlops, type LayerShape } from '../../src/bench/flops';
import { layerShapesOf } from '../../src/bench/layer-shapes';
import { paperNetwork } from '../../src/bench/paper-network';

test.before(async () => {
  await tf.setBackend('cpu');
});

/** A 3x3 'same' convolution with bias and ReLU: 2·H·W·Co·9·Ci multiply–add FLOPs, then bias and ReLU per output. */
const conv3x3 = (size: number, inChannels: number, outChannels: number) =>
  2 * size * size * outChannels * 9 * inChannels + 2 * size * size * outChannels;

test("the paper's Fashion-MNIST network: 0.15 GFLOP, layer by layer", () => {
  const model = paperNetwork(tfl, { inputShape: [28, 28, 3], conv56: false, width: 1, seed: 1, dropout: 0.4 });
  const count = countFlops(layerShapesOf(model));
  const expected = {
    conv1: conv3x3(28, 3, 64),
    conv2: conv3x3(28, 64, 64),
    pool1: 14 * 14 * 64 * 4,
    dropout1: 0,
    conv3: conv3x3(14, 64, 128),
    conv4: conv3x3(14, 128, 128),
    pool2: 7 * 7 * 128 * 4,
    dropout2: 0,
    global_pool: 7 * 7 * 128,
    dense1: 2 * 128 * 512 + 2 * 512,
    output: 2 * 512 + 1 + 1,
  };
  assert.deepEqual(Object.fromEntries(count.layers.map((l) => [l.name, l.flops])), { image: 0, ...expected });
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  assert.equal(count.total, total);
  assert.ok(total > 0.14e9 && total < 0.16e9, `${total} is not the issue's ≈0.15 GFLOP`);
  assert.equal(count.multiplyAdds, 28 * 28 * 64 * 27 + 28 * 28 * 64 * 576 + 14 * 14 * 128 * 576 + 14 * 14 * 128 * 1152 + 128 * 512 + 512);
  assert.deepEqual(count.uncounted, []);
  model.dispose();
});

test("the paper's CIFAR-10 network (all of Table 2) costs about 0.3 GFLOP and has Table 2's parameter count", () => {
  const model = paperNetwork(tfl, { inputShape: [32, 32, 3], conv56: true, width: 1, seed: 1, dropout: 0 });
  assert.equal(model.countParams(), 1792 + 36928 + 73856 + 147584 + 295168 + 590080 + 131584 + 513);
  const count = countFlops(layerShapesOf(model));
  const convs = conv3x3(32, 3, 64) + conv3x3(32, 64, 64) + conv3x3(16, 64, 128) + conv3x3(16, 128, 128) + conv3x3(8, 128, 256) + conv3x3(8, 256, 256);
  const rest = 16 * 16 * 64 * 4 + 8 * 8 * 128 * 4 + 8 * 8 * 256 + (2 * 256 * 512 + 2 * 512) + (2 * 512 + 2);
  assert.equal(count.total, convs + rest);
  assert.ok(count.total > 0.29e9 && count.total < 0.32e9);
  model.dispose();
});

test('strided valid convolutions without bias, batch norm, an activation layer, average pooling and a softmax dense layer', () => {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [9, 9, 2], filters: 3, kernelSize: [3, 2], strides: 2, padding: 'valid', useBias: false }));
  model.add(tfl.layers.batchNormalization({}));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.averagePooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 5, activation: 'softmax' }));
  const count = countFlops(layerShapesOf(model));
  // conv output 4x4x3, kernel 3·2·2 values per output, no bias, no activation.
  const conv = 2 * 4 * 4 * 3 * (3 * 2 * 2);
  const batchNorm = 2 * 4 * 4 * 3;
  const relu = 4 * 4 * 3;
  const pool = 2 * 2 * 3 * 4;
  const dense = 2 * 12 * 5 + 5 + 5;
  assert.deepEqual(
    count.layers.map((l) => l.flops),
    [conv, batchNorm, relu, pool, 0, dense],
  );
  assert.equal(count.total, conv + batchNorm + relu + pool + dense);
  assert.equal(count.multiplyAdds, 4 * 4 * 3 * 12 + 12 * 5);
  model.dispose();
});

test('merge layers count one operation per extra input; unknown layers are listed, not guessed', () => {
  const input = tfl.input({ shape: [4, 4, 2] });
  const a = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'a' }).apply(input) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'b' }).apply(input) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({ name: 'sum' }).apply([a, b, input]) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: sum });
  const count = countFlops(layerShapesOf(model));
  const oneByOne = 2 * 4 * 4 * 2 * 2 + 4 * 4 * 2;
  assert.equal(count.total, 2 * oneByOne + 2 * 4 * 4 * 2);
  model.dispose();

  const layers: LayerShape[] = [
    { name: 'dense', className: 'Dense', config: { units: 3, useBias: true, activation: 'linear' }, inputShapes: [[7]], outputShape: [3] },
    { name: 'lstm', className: 'LSTM', config: {}, inputShapes: [[5, 7]], outputShape: [7] },
  ];
  const partial = countFlops(layers);
  assert.equal(partial.total, 2 * 7 * 3 + 3);
  assert.deepEqual(partial.uncounted, ['lstm (LSTM)']);
});
