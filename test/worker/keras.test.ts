// Keras files read without TensorFlow: Keras 3 .keras archives and Keras 2 .h5 files written by
// test/fixtures/keras/make_fixtures.py in Keras's own layouts, whose outputs numpy computed.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '../../src/worker/backends';
import { loadKerasModel } from '../../src/worker/model/keras/load-keras';
import { readKerasConfig } from '../../src/worker/model/keras/keras-file';
import { kerasArchiveVariablePaths, snakeCase, translateKerasConfig } from '../../src/worker/model/keras/keras-config';
import { workerClassifier } from '../../src/worker/worker-classifier';
import type { Tf } from '../../src/worker/tf';

const fixtures = join(__dirname, '..', 'fixtures', 'keras');
const fixture = (name: string) => join(fixtures, name);

interface Expected {
  shape: number[];
  inputs: number[][];
  outputs: number[][];
}
const expected: Record<string, Expected> = JSON.parse(readFileSync(fixture('expected.json'), 'utf8'));

let tf: Tf;
before(async () => {
  tf = (await loadBackend('cpu')).tf;
});

function maxAbsDifference(actual: ArrayLike<number>, wanted: number[]): number {
  assert.equal(actual.length, wanted.length);
  let largest = 0;
  for (let i = 0; i < wanted.length; i++) largest = Math.max(largest, Math.abs(actual[i] - wanted[i]));
  return largest;
}

describe('Keras models give the outputs numpy computed from the same weights', () => {
  for (const [name, { shape, inputs, outputs }] of Object.entries(expected)) {
    test(name, async () => {
      const model = await loadKerasModel(tf, fixture(name));
      try {
        assert.deepEqual(model.geometry.shape, shape);
        assert.equal(model.outputCount, outputs[0].length);
        const batch = tf.tensor(inputs.flat(), [inputs.length, ...shape]);
        const actual = model.outputs(batch).dataSync();
        batch.dispose();
        assert.ok(maxAbsDifference(actual, outputs.flat()) <= 1e-5, `max |difference| ${maxAbsDifference(actual, outputs.flat())}`);
      } finally {
        model.dispose();
      }
    });
  }

  test('the output activation is read from the last layer, and the logits are its input', async () => {
    const model = await loadKerasModel(tf, fixture('sequential-cnn.keras'));
    try {
      assert.equal(model.outputActivation, 'softmax');
      const { inputs, shape } = expected['sequential-cnn.keras'];
      const batch = tf.tensor(inputs.flat(), [inputs.length, ...shape]);
      const fromLogits = tf.softmax(model.logits(batch)).dataSync();
      assert.ok(maxAbsDifference(fromLogits, expected['sequential-cnn.keras'].outputs.flat()) <= 1e-5);
      batch.dispose();
    } finally {
      model.dispose();
    }
    const binary = await loadKerasModel(tf, fixture('functional-residual.keras'));
    assert.equal(binary.outputActivation, 'sigmoid');
    binary.dispose();
  });
});

test('a Keras model runs its forward passes on ONNX Runtime with the same outputs', async () => {
  const { inputs, outputs } = expected['functional-residual.keras'];
  const built = await workerClassifier(fixture('functional-residual.keras'), 'cpu', 'onnxruntime', 10);
  try {
    assert.equal(built.forward, 'onnxruntime');
    const p: number[] = [];
    // A single sigmoid output reads as two classes [1 − p, p].
    for (const image of inputs) p.push((await built.classifier.probabilities(Float32Array.from(image)))[1]);
    assert.ok(maxAbsDifference(p, outputs.flat()) <= 1e-5, `max |difference| ${maxAbsDifference(p, outputs.flat())}`);
  } finally {
    built.classifier.dispose();
  }
});

describe('files the tool cannot build give one line naming the problem', () => {
  test('a layer class TF.js does not have is named with its class', async () => {
    await assert.rejects(loadKerasModel(tf, fixture('unsupported-layer.keras')), (error: Error) => {
      assert.equal(error.message.split('\n').length, 1);
      assert.match(error.message, /unsupported-layer\.keras: layer "fancy" \(class FancyNoise, registered as my_project>FancyNoise\) cannot be built/);
      return true;
    });
  });

  test('an HDF5 file that is not a Keras model', async () => {
    await assert.rejects(loadKerasModel(tf, fixture('not-a-model.h5')), /^Error: not-a-model\.h5 is an HDF5 file but not a Keras model \(no model_config attribute; it holds images\): an HDF5 dataset goes to --data$/);
  });

  test('a file that is not HDF5, a .keras that is not a zip, a missing file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rl-keras-'));
    try {
      writeFileSync(join(folder, 'text.h5'), 'not hdf5 at all');
      writeFileSync(join(folder, 'text.keras'), 'not a zip either');
      await assert.rejects(loadKerasModel(tf, join(folder, 'text.h5')), /^Error: text\.h5 is not an HDF5 file$/);
      await assert.rejects(loadKerasModel(tf, join(folder, 'text.keras')), /^Error: text\.keras is not a Keras 3 \.keras archive \(not a zip file/);
      await assert.rejects(readKerasConfig(join(folder, 'missing.keras')), /^Error: model file not found: .*missing\.keras$/);
      await assert.rejects(readKerasConfig(join(folder, 'missing.h5')), /^Error: model file not found: .*missing\.h5$/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('grouped convolutions and custom activations are refused, not built differently', () => {
    const model = (layer: object) => ({ class_name: 'Sequential', config: { name: 's', layers: [layer] } });
    const known = () => true;
    assert.throws(() => translateKerasConfig(model({ class_name: 'Conv2D', config: { name: 'c', groups: 2 } }), known), /layer "c" \(class Conv2D\) has groups=2/);
    assert.throws(
      () => translateKerasConfig(model({ class_name: 'Dense', config: { name: 'd', activation: { class_name: 'MyAct', config: {} } } }), known),
      /layer "d" \(class Dense\) uses a custom activation/,
    );
    assert.throws(() => translateKerasConfig({ class_name: 'MyModel', config: {} }, known), /only Sequential and Functional models/);
  });
});

test('Keras 3 addresses variables by snake-case class name, numbered in layer order', () => {
  assert.equal(snakeCase('BatchNormalization'), 'batch_normalization');
  assert.equal(snakeCase('Conv2D'), 'conv2d');
  assert.equal(snakeCase('MaxPooling2D'), 'max_pooling2d');
  assert.equal(snakeCase('GlobalAveragePooling2D'), 'global_average_pooling2d');
  const config = {
    class_name: 'Sequential',
    config: {
      layers: [
        { class_name: 'InputLayer', config: { name: 'in' } },
        { class_name: 'Dense', config: { name: 'a' } },
        { class_name: 'Sequential', config: { name: 'inner', layers: [{ class_name: 'Dense', config: { name: 'b' } }] } },
        { class_name: 'Dense', config: { name: 'c' } },
      ],
    },
  };
  assert.deepEqual(
    kerasArchiveVariablePaths(config).map((p) => [p.layers.join('/'), p.group]),
    [
      ['a', 'layers/dense'],
      ['inner', 'layers/sequential'],
      ['inner/b', 'layers/sequential/layers/dense'],
      ['c', 'layers/dense_1'],
    ],
  );
});
