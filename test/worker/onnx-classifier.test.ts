// OnnxClassifier (forward passes on ONNX Runtime, built by forwardEngine) against TfClassifier on
// the same models: the bundled demo model (one sigmoid output, 28x28x3, real demo images) and a
// 3-class softmax CNN. Line searches along one direction and multi-row random sets, clipped and
// not, with more rows than a forward pass holds, give the same classes; gradients are TF.js's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { unitBallSamples } from '../../src/engine/sampling';
import { loadBackend } from '../../src/worker/backends';
import { forwardEngine } from '../../src/worker/forward-engine';
import { readModelImage } from '../../src/worker/images/model-image';
import { layersLoadedModel } from '../../src/worker/model/layers-model';
import { loadModel } from '../../src/worker/model/load-model';
import type { LoadedModel } from '../../src/worker/model/loaded-model';
import { OnnxClassifier } from '../../src/worker/model/onnx-classifier';
import { TfClassifier } from '../../src/worker/model/tf-classifier';
import type { Tf } from '../../src/worker/tf';
import { smallCnn } from './models';
import { seededValues } from './onnx/seeded';

const root = join(__dirname, '..', '..');
const demoModel = join(root, 'media', 'demo', 'model', 'model.json');
const demoImages = ['7_Sneaker/00009.png', '7_Sneaker/00012.png', '8_Bag/00018.png'];
/** Fewer rows per forward pass than the calls below ask for, so both classifiers cut them into chunks. */
const maxBatch = 5;

let runtimeTf: Tf;

before(async () => {
  runtimeTf = (await loadBackend('wasm')).tf;
});

interface Pair {
  onnx: OnnxClassifier;
  tfjs: TfClassifier;
}

async function pairOf(model: LoadedModel): Promise<Pair> {
  const tfjs = new TfClassifier(runtimeTf, model, maxBatch);
  const engine = await forwardEngine('onnxruntime', 'wasm', model, tfjs);
  assert.equal(engine.forward, 'onnxruntime');
  assert.ok(engine.classifier instanceof OnnxClassifier, 'an OnnxClassifier');
  assert.equal(engine.classifier.maxBatch, maxBatch);
  return { onnx: engine.classifier, tfjs };
}

function unit(values: Float32Array): Float32Array {
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0));
  return values.map((v) => v / norm);
}

const linspace = (count: number, to: number) => Float32Array.from({ length: count }, (_, i) => (to * i) / (count - 1));

async function assertSamePerturbed(pair: Pair, x: Float32Array, directions: Float32Array, rows: number, scales: Float32Array, clip: boolean, what: string): Promise<Int32Array> {
  const expected = await pair.tfjs.predictPerturbed(x, directions, rows, scales, clip);
  const actual = await pair.onnx.predictPerturbed(x, directions, rows, scales, clip);
  assert.deepEqual(Array.from(actual), Array.from(expected), what);
  return actual;
}

async function assertSameProbabilities(pair: Pair, x: Float32Array, what: string): Promise<void> {
  const expected = await pair.tfjs.probabilities(x);
  const actual = await pair.onnx.probabilities(x);
  assert.equal(actual.length, pair.tfjs.classCount, what);
  actual.forEach((p, k) => assert.ok(Math.abs(p - expected[k]) < 1e-5, `${what}: class ${k}: ${p} vs ${expected[k]}`));
}

/** The checks every model gets, on `images` (one per row of d values). */
function sharedChecks(pairPromise: () => Promise<Pair>, images: () => Promise<Float32Array[]>) {
  let pair: Pair;
  let xs: Float32Array[];
  before(async () => {
    pair = await pairPromise();
    xs = await images();
  });
  after(() => pair.onnx.dispose());

  test('the same shape, dimension and classes as the TF.js classifier', () => {
    assert.deepEqual(pair.onnx.inputShape, pair.tfjs.inputShape);
    assert.equal(pair.onnx.dimension, pair.tfjs.dimension);
    assert.equal(pair.onnx.classCount, pair.tfjs.classCount);
  });

  test('predict: the same classes for a batch larger than a forward pass', async () => {
    const d = pair.tfjs.dimension;
    const count = 2 * maxBatch + 3;
    const batch = new Float32Array(count * d);
    xs.forEach((x, i) => batch.set(x, i * d));
    batch.set(seededValues((count - xs.length) * d, 21, 0, 1), xs.length * d);
    const expected = await pair.tfjs.predict(batch, count);
    assert.deepEqual(Array.from(await pair.onnx.predict(batch, count)), Array.from(expected));
    assert.deepEqual(Array.from(await pair.onnx.predict(new Float32Array(0), 0)), [], 'no images');
    await assert.rejects(pair.onnx.predict(batch.subarray(1), count), /predict: .* values are not 13 images of/);
  });

  test('probabilities: equal to TF.js\'s within 1e-5', async () => {
    for (const [i, x] of xs.entries()) await assertSameProbabilities(pair, x, `image ${i}`);
  });

  test('line search along the gradient (one direction, clip on and off): the same classes, a flip included', async () => {
    let flips = 0;
    for (const [i, x] of xs.entries()) {
      const label = (await pair.tfjs.predict(x, 1))[0];
      const { gradient } = (await pair.tfjs.lossGradient(x, label))!;
      const direction = unit(gradient);
      for (const clip of [false, true]) {
        const grid = linspace(4 * maxBatch + 1, 30);
        const classes = await assertSamePerturbed(pair, x, direction, 1, grid, clip, `image ${i}, clip ${clip}`);
        const first = classes.findIndex((c) => c !== label);
        if (first < 0) continue;
        flips++;
        // Finer steps between the last kept and the first flipped scale, as the attack refines.
        const fine = Float32Array.from({ length: 3 * maxBatch }, (_, j) => grid[first - 1] + ((grid[first] - grid[first - 1]) * (j + 1)) / (3 * maxBatch + 1));
        await assertSamePerturbed(pair, x, direction, 1, fine, clip, `image ${i}, clip ${clip}, near the boundary`);
      }
    }
    assert.ok(flips > 0, 'the line searches cross the decision boundary');
  });

  test('a random set (one direction per row, clip on and off): the same classes', async () => {
    const d = pair.tfjs.dimension;
    const rows = 4 * maxBatch + 3;
    const set = unitBallSamples(rows, d, 7);
    const scales = Float32Array.from({ length: rows }, (_, j) => 10 + 20 * j);
    let flips = 0;
    for (const [i, x] of xs.entries()) {
      const label = (await pair.tfjs.predict(x, 1))[0];
      for (const clip of [false, true]) {
        const classes = await assertSamePerturbed(pair, x, set.directions, rows, scales, clip, `image ${i}, clip ${clip}`);
        flips += classes.filter((c) => c !== label).length;
      }
      await assertSameProbabilities(pair, x.map((v, k) => v + 0.05 * set.directions[k]), `image ${i} plus a random direction`);
    }
    assert.ok(flips > 0, 'some random perturbations flip the class');
  });

  test('lossGradient and marginGradients are the TF.js classifier\'s', async () => {
    for (const x of xs) {
      const label = (await pair.tfjs.predict(x, 1))[0];
      assert.deepEqual(await pair.onnx.lossGradient(x, label), await pair.tfjs.lossGradient(x, label));
      const others = Array.from({ length: pair.tfjs.classCount }, (_, k) => k).filter((k) => k !== label);
      assert.deepEqual(await pair.onnx.marginGradients(x, label, others), await pair.tfjs.marginGradients(x, label, others));
    }
  });

  test('bad arguments are refused as TF.js refuses them', async () => {
    const x = xs[0];
    const d = pair.tfjs.dimension;
    await assert.rejects(pair.onnx.probabilities(x.subarray(1)), new RegExp(`image has ${d - 1} values, the model expects ${d}`));
    await assert.rejects(pair.onnx.predictPerturbed(x, new Float32Array(2 * d), 2, new Float32Array(3), false), /2 directions for 3 scales/);
    await assert.rejects(pair.onnx.predictPerturbed(x, new Float32Array(d + 1), 1, new Float32Array(3), false), /direction values are not 1 rows of/);
  });
}

describe('the demo model (one sigmoid output, 28x28x3)', () => {
  sharedChecks(
    async () => pairOf(await loadModel(runtimeTf, demoModel)),
    async () => {
      const model = await loadModel(runtimeTf, demoModel);
      const images = await Promise.all(demoImages.map(async (file) => (await readModelImage(join(root, 'media', 'demo', 'data', file), model.geometry)).pixels));
      model.dispose();
      return images;
    },
  );
});

describe('a 3-class softmax CNN (9x9x3)', () => {
  sharedChecks(
    async () => pairOf(layersLoadedModel(runtimeTf, smallCnn([9, 9, 3], 3, 'softmax'))),
    async () => [0, 1, 2].map((seed) => seededValues(9 * 9 * 3, 30 + seed, 0, 1)),
  );
});
