// Smoke test on real data: Fashion-MNIST (Debian's dataset-fashion-mnist) Sneaker vs Bag, a small
// CNN trained here on RGB copies of the gray images (as the paper did), the test images written as
// gray PNGs in a <class>/<image> folder and analysed by the real worker process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readIdxSplit } from '../../scripts/idx';
import type { ImageTask } from '../../src/protocol/messages';
import { loadBackend } from '../../src/worker/backends';
import { buildWorker, ForkedWorker, isType } from './harness';
import { saveModel, temporaryFolder } from './models';

const datasetDir = '/usr/share/datasets/fashion-mnist';
const classes = [7, 8]; // Sneaker, Bag
const classNames = ['7_Sneaker', '8_Bag'];
const folder = temporaryFolder('fashion');
let worker: ForkedWorker | null = null;

after(() => {
  worker?.kill();
  rmSync(folder, { recursive: true, force: true });
});

test('Fashion-MNIST Sneaker vs Bag: every image analysed, the records internally consistent', { skip: !existsSync(datasetDir) && `${datasetDir} is not installed` }, async () => {
  buildWorker();
  const split = readIdxSplit(datasetDir, 't10k');
  const pixels = split.height * split.width;
  const picked = (from: number, count: number) => {
    const found: number[] = [];
    for (let i = from; i < split.count && found.length < count; i++) if (classes.includes(split.labels[i])) found.push(i);
    return found;
  };
  const training = picked(0, 400);
  const testing = picked(5000, 12);

  await loadBackend('wasm');
  const rgb = (indices: number[]) => {
    const data = new Float32Array(indices.length * pixels * 3);
    indices.forEach((image, n) => {
      for (let p = 0; p < pixels; p++) data.fill(split.images[image * pixels + p] / 255, (n * pixels + p) * 3, (n * pixels + p) * 3 + 3);
    });
    return tf.tensor4d(data, [indices.length, split.height, split.width, 3]);
  };
  const model = tfl.sequential();
  const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 3], filters: 4, kernelSize: 5, strides: 2, activation: 'relu', kernelInitializer: seeded(1) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: seeded(2) }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const xs = rgb(training);
  const ys = tf.tensor2d(training.map((i) => [classes.indexOf(split.labels[i])]));
  await model.fit(xs, ys, { epochs: 4, batchSize: 32, shuffle: false, verbose: 0 });
  const modelPath = await saveModel(model, join(folder, 'model'));

  const tasks: ImageTask[] = testing.map((image, index) => {
    const label = classes.indexOf(split.labels[image]);
    const file = `${classNames[label]}/${String(image).padStart(5, '0')}.png`;
    const path = join(folder, 'data', file);
    mkdirSync(join(folder, 'data', classNames[label]), { recursive: true });
    const gray = split.images.subarray(image * pixels, (image + 1) * pixels);
    writeFileSync(path, encodePng({ width: split.width, height: split.height, channels: 1, depth: 8, data: gray }));
    return { index, file, path, label };
  });

  const settings = { attack: 'fgm-line' as const, scales: 64, maxEps: 10, alphas: [1, 2, 5, 10], samples: 200, seed: 0, clip: false };
  worker = new ForkedWorker();
  worker.send({ type: 'init', modelPath, backend: 'wasm', forward: 'auto', settings, classNames });
  const ready = await worker.next(isType('ready'));
  assert.deepEqual([ready.model.inputShape, ready.model.dimension, ready.model.classCount, ready.model.outputActivation], [[28, 28, 3], 2352, 2, 'sigmoid']);
  worker.send({ type: 'analyse', tasks });
  await worker.next(isType('idle'));
  assert.deepEqual(worker.of('error'), []);
  const records = worker.of('result').map((m) => m.record);
  assert.equal(records.length, tasks.length);

  const correct = records.filter((r) => r.correct);
  assert.ok(correct.length >= 10, `accuracy ${correct.length}/${records.length}`);
  let susceptible = 0;
  for (const record of records) {
    assert.equal(record.correct, record.predicted === record.label);
    assert.ok(Math.abs(record.probabilities![0] + record.probabilities![1] - 1) < 1e-6);
    assert.equal(record.predicted, record.probabilities![1] > 0.5 ? 1 : 0);
    assert.equal(record.resized, undefined);
    if (!record.adversarial) {
      assert.deepEqual(record.random, []);
      if (record.correct) assert.ok(record.reason, 'a correct image without an attack result says why');
      continue;
    }
    susceptible++;
    const { eps, l2, l1, linf, loss } = record.adversarial;
    assert.equal(loss, 'logit');
    assert.ok(eps > 0 && eps <= settings.maxEps);
    assert.ok(Number.isInteger(Math.round((eps * settings.scales) / settings.maxEps)), 'ε* is a grid step');
    assert.ok(Math.abs(l2 - eps) < 1e-9);
    assert.ok(linf <= l2 + 1e-9 && l2 <= l1 + 1e-9, 'L∞ ≤ L2 ≤ L1');
    assert.deepEqual(record.random.map((r) => r.alpha), settings.alphas);
    for (const random of record.random) {
      assert.equal(random.samples, settings.samples);
      assert.ok(random.flips >= 0 && random.flips <= settings.samples);
      assert.equal(random.minFlip === null, random.flips === 0);
      if (random.minFlip) assert.ok(random.minFlip.l2 <= random.alpha * eps * (1 + 1e-6));
    }
  }
  assert.ok(susceptible > 0, 'the attack flips some images');

  worker.send({ type: 'cancel' });
  assert.equal(await worker.exited, 0);
});
