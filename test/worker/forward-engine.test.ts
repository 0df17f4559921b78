// Choosing what runs a TF.js model: `tfjs` never uses ONNX Runtime, `auto` takes it (forward
// passes and gradients) on the wasm and cpu backends when the model translates and matches TF.js
// (else TF.js with a note), `onnxruntime` insists with a one-line error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TfBackendName as BackendName } from '../../src/protocol/report';
import { loadBackend } from '../../src/worker/backends';
import { forwardEngine } from '../../src/worker/forward-engine';
import { layersLoadedModel } from '../../src/worker/model/layers-model';
import { loadModel } from '../../src/worker/model/load-model';
import type { LoadedModel } from '../../src/worker/model/loaded-model';
import { OrtClassifier } from '../../src/worker/compute/ort-classifier';
import { OrtSession } from '../../src/worker/compute/ort-session';
import { TfClassifier } from '../../src/worker/model/tf-classifier';
import { layersModelToOnnx } from '../../src/worker/onnx/layers-to-onnx';
import { OnnxRuntimeNotInstalled } from '../../src/worker/onnx/onnx-forward';
import type { Tf } from '../../src/worker/tf';
import { smallCnn, temporaryFolder } from './models';
import { seedWeights } from './onnx/seeded';
import { writeGraphModel } from '../fixtures/graph-model';

let runtimeTf: Tf;
const folder = temporaryFolder('forward-engine');

before(async () => {
  runtimeTf = (await loadBackend('wasm')).tf;
});

after(() => rmSync(folder, { recursive: true, force: true }));

function translatable(): LoadedModel {
  return layersLoadedModel(runtimeTf, smallCnn([8, 8, 3], 3, 'softmax'));
}

/** conv → UpSampling2D (not translated) → flatten → dense softmax. */
function untranslatable(): LoadedModel {
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, padding: 'same' }));
  model.add(tfl.layers.upSampling2d({ name: 'bigger' }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
  return layersLoadedModel(runtimeTf, model);
}

const classifierOf = (model: LoadedModel) => new TfClassifier(runtimeTf, model, 16);

test('tfjs: the TF.js classifier itself, whatever the backend', async () => {
  for (const backend of ['wasm', 'cpu', 'tensorflow'] as BackendName[]) {
    const tfjs = classifierOf(translatable());
    const engine = await forwardEngine('tfjs', 'auto', backend, tfjs.model, tfjs);
    assert.deepEqual(engine, { classifier: tfjs, forward: 'tfjs', gradient: 'tfjs', executionProvider: null }, backend);
    tfjs.dispose();
  }
});

test('auto on wasm: ONNX Runtime for forward passes and gradients, equal to TF.js\'s', async () => {
  const tfjs = classifierOf(translatable());
  const reference = classifierOf(translatable());
  const engine = await forwardEngine('auto', 'auto', 'wasm', tfjs.model, tfjs);
  assert.equal(engine.forward, 'onnxruntime');
  assert.equal(engine.gradient, 'onnxruntime');
  assert.equal(engine.executionProvider, 'cpu');
  assert.equal(engine.note, undefined);
  assert.ok(engine.classifier instanceof OrtClassifier, 'an OrtClassifier');
  assert.equal((engine.classifier as OrtClassifier).maxBatch, 16);
  const x = new Float32Array(reference.dimension).map((_, i) => ((i * 37) % 101) / 101);
  const ours = await engine.classifier.lossGradient(x, 1);
  const theirs = await reference.lossGradient(x, 1);
  assert.ok(ours && theirs);
  assert.equal(ours.loss, theirs.loss);
  const scale = Math.max(...theirs.gradient.map(Math.abs));
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(ours.gradient[i] - theirs.gradient[i]) <= 1e-4 * scale, `gradient ${i}: ${ours.gradient[i]} vs ${theirs.gradient[i]}`);
  engine.classifier.dispose();
  reference.dispose();
});

test('auto on cpu: ONNX Runtime', async () => {
  await loadBackend('cpu');
  try {
    const tfjs = classifierOf(translatable());
    const engine = await forwardEngine('auto', 'auto', 'cpu', tfjs.model, tfjs);
    assert.equal(engine.forward, 'onnxruntime');
    assert.ok(engine.classifier instanceof OrtClassifier, 'an OrtClassifier');
    engine.classifier.dispose();
  } finally {
    await loadBackend('wasm');
  }
});

test('auto on the native TensorFlow backends: TF.js, without trying ONNX Runtime', async () => {
  for (const backend of ['tensorflow', 'tensorflow-gpu'] as BackendName[]) {
    const tfjs = classifierOf(translatable());
    const model: LoadedModel = { ...tfjs.model, toOnnx: () => assert.fail('the model is not translated on a native backend') };
    assert.deepEqual(await forwardEngine('auto', 'auto', backend, model, tfjs), { classifier: tfjs, forward: 'tfjs', gradient: 'tfjs', executionProvider: null });
    tfjs.dispose();
  }
});

test('a model that does not translate: auto keeps TF.js with a note naming the layer; onnxruntime fails in one line', async () => {
  const tfjs = classifierOf(untranslatable());
  const engine = await forwardEngine('auto', 'auto', 'wasm', tfjs.model, tfjs);
  assert.equal(engine.forward, 'tfjs');
  assert.equal(engine.classifier, tfjs);
  assert.equal(engine.note, 'the model runs on TF.js wasm: layer bigger: UpSampling2D is not translated to ONNX');

  await assert.rejects(forwardEngine('onnxruntime', 'auto', 'wasm', tfjs.model, tfjs), (error: Error) => {
    assert.equal(error.message, 'ONNX Runtime: layer bigger: UpSampling2D is not translated to ONNX');
    return true;
  });
  tfjs.dispose();
});

test('a graph model translates too: auto and onnxruntime take ONNX Runtime (test/worker/onnx/graph-to-onnx.test.ts has more)', async () => {
  const path = writeGraphModel(join(folder, 'graph'));
  for (const [choice, backend] of [['auto', 'cpu'], ['onnxruntime', 'wasm']] as const) {
    const tfjs = classifierOf(await loadModel(runtimeTf, path));
    assert.equal(tfjs.model.format, 'graph-model');
    const engine = await forwardEngine(choice, 'auto', backend, tfjs.model, tfjs);
    assert.equal(engine.forward, 'onnxruntime', choice);
    assert.equal(engine.note, undefined, choice);
    assert.ok(engine.classifier instanceof OrtClassifier, choice);
    engine.classifier.dispose();
  }
});

test('the check against TF.js: another model\'s ONNX bytes are caught, auto falls back with a note', async () => {
  const tfjs = classifierOf(translatable());
  const other = seedWeights(smallCnn([8, 8, 3], 3, 'softmax'), 99);
  const impostor: LoadedModel = { ...tfjs.model, toOnnx: () => layersModelToOnnx(other) };
  const engine = await forwardEngine('auto', 'auto', 'wasm', impostor, tfjs);
  assert.equal(engine.forward, 'tfjs');
  assert.equal(engine.classifier, tfjs);
  assert.match(engine.note ?? '', /^the model runs on TF.js wasm: the translated model's outputs differ from TF\.js's \(by up to \d\.\de[-+]\d+\)$/);
  await assert.rejects(forwardEngine('onnxruntime', 'auto', 'wasm', impostor, tfjs), /^Error: ONNX Runtime: the translated model's outputs differ from TF\.js's/);
  other.dispose();
  tfjs.dispose();
});

test('the check against TF.js: an ONNX model with another output count is caught', async () => {
  const tfjs = classifierOf(translatable());
  const wider = smallCnn([8, 8, 3], 4, 'softmax');
  const impostor: LoadedModel = { ...tfjs.model, toOnnx: () => layersModelToOnnx(wider) };
  const engine = await forwardEngine('auto', 'auto', 'wasm', impostor, tfjs);
  assert.equal(engine.forward, 'tfjs');
  assert.match(engine.note ?? '', /outputs differ from TF\.js's|differ|not \[batch/);
  wider.dispose();
  tfjs.dispose();
});

test('bytes ONNX Runtime cannot load: auto falls back with a one-line note', async () => {
  const tfjs = classifierOf(translatable());
  const broken: LoadedModel = { ...tfjs.model, toOnnx: () => Uint8Array.of(1, 2, 3, 4) };
  const engine = await forwardEngine('auto', 'auto', 'wasm', broken, tfjs);
  assert.equal(engine.forward, 'tfjs');
  assert.match(engine.note ?? '', /^the model runs on TF\.js wasm: \S.*$/);
  assert.ok(!engine.note!.includes('\n'), 'one line');
  await assert.rejects(forwardEngine('onnxruntime', 'auto', 'wasm', broken, tfjs), (error: Error) => /^ONNX Runtime: /.test(error.message) && !error.message.includes('\n'));
  tfjs.dispose();
});

test('ONNX Runtime not installed: auto keeps TF.js silently, onnxruntime says so', async () => {
  const create = OrtSession.create;
  OrtSession.create = () => Promise.reject(new OnnxRuntimeNotInstalled('onnxruntime-node is not installed'));
  try {
    const tfjs = classifierOf(translatable());
    assert.deepEqual(await forwardEngine('auto', 'auto', 'wasm', tfjs.model, tfjs), { classifier: tfjs, forward: 'tfjs', gradient: 'tfjs', executionProvider: null });
    await assert.rejects(forwardEngine('onnxruntime', 'auto', 'wasm', tfjs.model, tfjs), /^Error: ONNX Runtime: onnxruntime-node is not installed$/);
    tfjs.dispose();
  } finally {
    OrtSession.create = create;
  }
});

test('an unknown choice is refused', async () => {
  const tfjs = classifierOf(translatable());
  await assert.rejects(forwardEngine('fast' as never, 'auto', 'wasm', tfjs.model, tfjs), /unknown forward engine "fast" \(one of auto, onnxruntime, tfjs\)/);
  tfjs.dispose();
});
