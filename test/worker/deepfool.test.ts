// deepfool on real TF.js models (wasm backend): TfClassifier's logit margins and their batched
// gradients against closed forms, and deepfool against fgm-line on a small softmax CNN.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DeepFoolAttack, FgmLineAttack } from '../../src/engine/attacks/index';
import { analyseImage } from '../../src/engine/measurement';
import { SeededRandom } from '../../src/engine/rng';
import { unitBallSamples } from '../../src/engine/sampling';
import type { ImageRecord } from '../../src/protocol/report';
import { loadBackend } from '../../src/worker/backends';
import { imageDetail } from '../../src/worker/detail';
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

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}, index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test('softmax model: margins z_y − z_k and gradients w_y − w_k, whatever the batch split', async () => {
  const units = [
    [0.5, -0.2, 0.1, 0.3],
    [-0.4, 0.6, 0.2, -0.1],
    [0.1, 0.1, -0.5, 0.4],
  ];
  const bias = [0.1, 0, -0.1];
  const model = denseModel([2, 2, 1], kernelFromUnits(units), bias, 'softmax');
  const x = Float32Array.from([0.3, 0.7, 0.2, 0.9]);
  const z = units.map((u, k) => u.reduce((s, wi, i) => s + wi * x[i], bias[k]));
  const label = 1;
  const others = [2, 0];
  const expectedGradients = others.flatMap((k) => units[label].map((w, i) => w - units[k][i]));
  for (const maxBatch of [64, 1]) {
    const classifier = classifierOf(model, maxBatch);
    const result = await classifier.marginGradients(x, label, others);
    assert.equal(result.loss, 'margin');
    assertClose(result.margins, z.map((zk) => z[label] - zk), 1e-6, `margins, batch ${maxBatch}`);
    assertClose(result.gradients, expectedGradients, 1e-6, `gradients, batch ${maxBatch}`);
    const marginsOnly = await classifier.marginGradients(x, label, []);
    assert.equal(marginsOnly.gradients.length, 0);
    assertClose(marginsOnly.margins, result.margins, 0, 'margins without gradients');
  }
  const classifier = classifierOf(model);
  await assert.rejects(classifier.marginGradients(x, label, [1]), /class 1 is not a class other than the label 1 of a 3-class model/);
  await assert.rejects(classifier.marginGradients(x, 3, [0]), /label 3 is not a class index of a 3-class model/);
  classifier.dispose();
});

test('single sigmoid output: the margin is the logit signed by the label, through a saturated output', async () => {
  const w = [100, -50, 100, 100];
  const classifier = classifierOf(denseModel([2, 2, 1], kernelFromUnits([w]), [0.5], 'sigmoid'));
  const x = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
  const z = 0.5 + w.reduce((s, wi) => s + 0.5 * wi, 0);
  const forLabel1 = await classifier.marginGradients(x, 1, [0]);
  assert.equal(forLabel1.loss, 'logit');
  assertClose(forLabel1.margins, [z, 0], 1e-4, 'label 1 margins');
  assertClose(forLabel1.gradients, w, 1e-5, 'label 1 gradient');
  const forLabel0 = await classifier.marginGradients(x, 0, [1]);
  assertClose(forLabel0.margins, [0, -z], 1e-4, 'label 0 margins');
  assertClose(forLabel0.gradients, w.map((v) => -v), 1e-5, 'label 0 gradient');
  classifier.dispose();
});

test('CNN: each batched gradient row equals the gradient of that margin alone, and no tensor leaks', async () => {
  const classifier = classifierOf(smallCnn([8, 8, 1], 4, 'softmax'));
  const random = new SeededRandom(3);
  const x = Float32Array.from({ length: 64 }, () => random.next());
  const label = 2;
  const others = [0, 1, 3];
  await classifier.marginGradients(x, label, others);
  const before = tf.memory().numTensors;
  const batched = await classifier.marginGradients(x, label, others);
  assert.equal(tf.memory().numTensors, before, 'tensor count unchanged');
  for (const [row, other] of others.entries()) {
    const alone = await classifier.marginGradients(x, label, [other]);
    assertClose(batched.gradients.subarray(row * 64, (row + 1) * 64), alone.gradients, 1e-6, `row ${row}`);
  }
  assert.ok(batched.gradients.some((value) => value !== 0));
  classifier.dispose();
});

test('no tensor leaks: the tensor count stays flat from image to image through the protocol with deepfool', async () => {
  const classifier = classifierOf(smallCnn([8, 8, 1], 3, 'softmax'), 16);
  const set = unitBallSamples(40, 64, 5);
  const settings = { attack: 'deepfool', scales: 32, maxEps: 8, alphas: [1, 2], clip: false, batchSize: 16 };
  const random = new SeededRandom(4);
  const counts: number[] = [];
  let attacked = 0;
  for (let n = 0; n < 4; n++) {
    const x = Float32Array.from({ length: 64 }, () => random.next());
    const [label] = await classifier.predict(x, 1);
    const result = await analyseImage(classifier, x, label, settings, set);
    if (result.adversarial) attacked++;
    counts.push(tf.memory().numTensors);
  }
  assert.ok(attacked > 0, 'at least one image went through the random stage');
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts ${counts.join(', ')}`);
  classifier.dispose();
});

test('small softmax CNN (3 classes): deepfool flips wherever fgm-line does, with an ε* never larger', async () => {
  const classifier = classifierOf(smallCnn([8, 8, 1], 3, 'softmax'), 64);
  const random = new SeededRandom(11);
  // A fine fgm-line grid (steps of 1/256), so the comparison is of directions more than of grids.
  const settings = { scales: 256, maxEps: 1, clip: false };
  const ratios: number[] = [];
  for (let n = 0; n < 10; n++) {
    const x = Float32Array.from({ length: 64 }, () => random.next());
    const [label] = await classifier.predict(x, 1);
    const fgm = await new FgmLineAttack().run(classifier, x, label, settings);
    const deepfool = await new DeepFoolAttack().run(classifier, x, label, settings);
    if (!fgm.found) continue;
    assert.ok(deepfool.found, `image ${n}: fgm-line flips at ${fgm.eps}, deepfool does not (${deepfool.found ? '' : deepfool.reason})`);
    assert.equal(deepfool.loss, 'margin');
    assert.ok(deepfool.eps <= fgm.eps, `image ${n}: deepfool ${deepfool.eps} > fgm-line ${fgm.eps}`);
    const [predicted] = await classifier.predictPerturbed(x, deepfool.direction, 1, Float32Array.of(deepfool.eps), false);
    assert.notEqual(predicted, label, `image ${n}: x + ε*·v keeps the label`);
    ratios.push(deepfool.eps / fgm.eps);
  }
  assert.ok(ratios.length >= 6, `only ${ratios.length} of 10 images flipped under fgm-line`);
  assert.ok(Math.min(...ratios) < 0.95, `deepfool never clearly smaller: ratios ${ratios.join(', ')}`);
  classifier.dispose();
});

test('the detail view of a deepfool run draws deepfool’s adversarial image, which flips', async () => {
  const classifier = classifierOf(smallCnn([8, 8, 1], 3, 'softmax'), 64);
  const random = new SeededRandom(11);
  const geometry = { height: 8, width: 8, channels: 1, shape: [8, 8, 1] };
  const set = unitBallSamples(20, 64, 1);
  const attack = { name: 'deepfool', scales: 256, maxEps: 1 };
  let drawn = 0;
  for (let n = 0; n < 10; n++) {
    const x = Float32Array.from({ length: 64 }, () => random.next());
    const [label] = await classifier.predict(x, 1);
    const deepfool = await new DeepFoolAttack().run(classifier, x, label, { ...attack, clip: false });
    if (!deepfool.found) continue;
    const record: ImageRecord = {
      file: `${n}.png`, label, predicted: label, correct: true, random: [],
      adversarial: { eps: deepfool.eps, ...deepfool.perturbation, loss: deepfool.loss },
    };
    const detail = await imageDetail(classifier, geometry, record.file, x, record, set, { clip: false, batchSize: 8, attack });
    assert.equal(detail.loss, 'margin');
    const outputs = detail.outputs.adversarial;
    assert.ok(outputs, `image ${n}: no adversarial image drawn`);
    assert.notEqual(outputs.indexOf(Math.max(...outputs)), label, `image ${n}: the drawn adversarial image keeps the label`);
    drawn++;
  }
  assert.ok(drawn >= 6);
  classifier.dispose();
});
