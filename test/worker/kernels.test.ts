// The wasm backend's input gradients equal the cpu backend's: max-pool ties go to the first
// maximum, and gradients that need kernels wasm lacks (depthwise/separable convolutions) exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, getKernel, MaxPoolGrad, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { loadBackend } from '../../src/worker/backends';
import { maxPoolGradFirstMax, maxPoolGradFirstMaxConfig } from '../../src/worker/kernels/max-pool-grad';
import { registerWasmGradientKernels } from '../../src/worker/kernels/index';

// Importing the worker's backends module registered the wasm backend's stock kernels.
const stockMaxPoolGrad = getKernel(MaxPoolGrad, 'wasm')!;

/** Images with flat regions (every pooling window there is a tie) and a few bright blobs. */
function flatImages(count: number, size: number, channels: number): Float32Array {
  const data = new Float32Array(count * size * size * channels);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inBlob = (x - 3 - n) ** 2 + (y - 4) ** 2 < 6;
        for (let c = 0; c < channels; c++) {
          data[((n * size + y) * size + x) * channels + c] = inBlob ? 0.8 + 0.01 * ((x + y + c) % 3) : 0.25;
        }
      }
    }
  }
  return data;
}

function maxPoolingCnn(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  return model;
}

function inputGradient(model: tfl.LayersModel, images: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(images, shape);
    return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(model.apply(input) as tf.Tensor, tf.tensor1d([1, -2, 0.5]))))(x);
  }).dataSync() as Float32Array;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

test('max-pooling CNN: the wasm input gradient equals the cpu backend one (ties to the first maximum)', async () => {
  await loadBackend('cpu');
  const model = maxPoolingCnn();
  const images = flatImages(3, 12, 1);
  const shape = [3, 12, 12, 1];
  const onCpu = inputGradient(model, images, shape);
  assert.ok(maxAbs(onCpu) > 0, 'the reference gradient is not zero');

  await loadBackend('wasm');
  const onWasm = inputGradient(model, images, shape);
  assert.ok(maxAbsDifference(onWasm, onCpu) <= 1e-5 * maxAbs(onCpu), `wasm differs from cpu by ${maxAbsDifference(onWasm, onCpu)}`);

  // The wasm backend's own MaxPoolGrad (last maximum) gives another gradient on the same images:
  // what the replacement kernel is for.
  const ours = getKernel(MaxPoolGrad, 'wasm')!;
  assert.equal(ours, maxPoolGradFirstMaxConfig);
  assert.notEqual(stockMaxPoolGrad, ours);
  unregisterKernel(MaxPoolGrad, 'wasm');
  registerKernel(stockMaxPoolGrad);
  stockMaxPoolGrad.setupFunc?.(tf.backend()); // the backend started with ours: bind the stock kernel now
  try {
    const lastMaximum = inputGradient(model, images, shape);
    assert.ok(maxAbsDifference(lastMaximum, onCpu) > 1e-3 * maxAbs(onCpu), 'the stock wasm kernel agrees on these ties');
  } finally {
    unregisterKernel(MaxPoolGrad, 'wasm');
    registerWasmGradientKernels();
  }
  assert.equal(getKernel(MaxPoolGrad, 'wasm'), maxPoolGradFirstMaxConfig);
  model.dispose();
});

test('maxPoolGradFirstMax routes a tied window to its first position and sums overlapping windows', () => {
  // One 3x3 channel, 2x2 windows with stride 1: all values tie.
  const input = new Float32Array(9).fill(1);
  const dy = new Float32Array([1, 2, 3, 4]);
  const info = tf.backend_util.computePool2DInfo([1, 3, 3, 1], 2, 1, 1, 'valid');
  const dx = maxPoolGradFirstMax(input, dy, info);
  // Window (r, c) starts at (r, c): its first element is input (r, c).
  assert.deepEqual(Array.from(dx), [1, 2, 0, 3, 4, 0, 0, 0, 0]);
});

test('a model with separable and depthwise convolutions and batch norm gets its gradient on wasm, equal to cpu', async () => {
  await loadBackend('cpu');
  const model = tfl.sequential();
  model.add(tfl.layers.separableConv2d({ inputShape: [10, 10, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 4 }), pointwiseInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }));
  model.add(tfl.layers.batchNormalization({ movingMeanInitializer: 'ones', movingVarianceInitializer: tfl.initializers.constant({ value: 2 }) }));
  model.add(tfl.layers.reLU({ maxValue: 6 }));
  model.add(tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 6 }) }));
  model.add(tfl.layers.globalAveragePooling2d({}));
  model.add(tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }) }));
  const images = flatImages(2, 10, 3);
  const shape = [2, 10, 10, 3];
  const onCpu = inputGradient(model, images, shape);
  assert.ok(maxAbs(onCpu) > 0);

  await loadBackend('wasm');
  const onWasm = inputGradient(model, images, shape);
  assert.ok(maxAbsDifference(onWasm, onCpu) <= 1e-5 * maxAbs(onCpu), `wasm differs from cpu by ${maxAbsDifference(onWasm, onCpu)}`);
  model.dispose();
});

test('fused convolutions without activation (whose gradient computes the filter gradient eagerly) get their gradient on wasm', async () => {
  await loadBackend('wasm');
  const x = tf.tensor4d(flatImages(1, 8, 3), [1, 8, 8, 3]);
  const filter = tf.randomNormal([3, 3, 3, 2], 0, 1, 'float32', 8) as tf.Tensor4D;
  const depthwiseFilter = tf.randomNormal([3, 3, 3, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
  const bias = tf.tensor1d([0.1, -0.2]);
  const loss = (input: tf.Tensor) => {
    const conv = tf.fused.conv2d({ x: input as tf.Tensor4D, filter, strides: 1, pad: 'same', bias, activation: 'linear' });
    const depthwise = tf.fused.depthwiseConv2d({ x: input as tf.Tensor4D, filter: depthwiseFilter, strides: 2, pad: 'same', bias: tf.tensor1d([0.1, 0.1, 0.1]), activation: 'linear' });
    return tf.add(tf.sum(conv), tf.sum(depthwise));
  };
  const onWasm = tf.grad(loss)(x).dataSync() as Float32Array;
  await loadBackend('cpu');
  const onCpu = tf.grad(loss)(x).dataSync() as Float32Array;
  assert.ok(maxAbs(onCpu) > 0);
  assert.ok(maxAbsDifference(onWasm, onCpu) <= 1e-5 * maxAbs(onCpu));
});

test('the wasm filter gradients equal the cpu backend kernels for strides and paddings', async () => {
  const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 10);
  const cases: Array<{ depthwise: boolean; filterShape: [number, number, number, number]; strides: number; pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] }> = [
    { depthwise: false, filterShape: [3, 3, 3, 5], strides: 1, pad: 'same' },
    { depthwise: false, filterShape: [3, 2, 3, 4], strides: 2, pad: 'valid' },
    { depthwise: false, filterShape: [5, 5, 3, 2], strides: 2, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
    { depthwise: true, filterShape: [3, 3, 3, 1], strides: 1, pad: 'same' },
    { depthwise: true, filterShape: [3, 3, 3, 2], strides: 2, pad: 'valid' },
  ];
  for (const { depthwise, filterShape, strides, pad } of cases) {
    const run = () =>
      tf.tidy(() => {
        const filter = tf.zeros(filterShape) as tf.Tensor4D;
        const y = depthwise
          ? tf.depthwiseConv2d(x as tf.Tensor4D, filter, strides, pad as 'same')
          : tf.conv2d(x as tf.Tensor4D, filter, strides, pad);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 11);
        const attrs = depthwise
          ? { strides, pad, dilations: 1, filterShape }
          : { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
        return tf.engine().runKernel(depthwise ? DepthwiseConv2dNativeBackpropFilter : Conv2DBackpropFilter, { x, dy }, attrs as never) as tf.Tensor;
      }).dataSync() as Float32Array;
    await loadBackend('cpu');
    const onCpu = run();
    await loadBackend('wasm');
    const onWasm = run();
    assert.ok(maxAbs(onCpu) > 0);
    assert.ok(maxAbsDifference(onWasm, onCpu) <= 1e-6 * maxAbs(onCpu), `${depthwise ? 'depthwise' : 'conv'} ${filterShape} stride ${strides} ${JSON.stringify(pad)}`);
  }
});
