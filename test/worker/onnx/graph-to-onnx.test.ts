// The graph-model zoo (graph-zoo.ts), loaded by the worker, translated to ONNX and run on ONNX
// Runtime against TF.js's own GraphModel.execute on the same seeded inputs; untranslatable graphs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../../../src/worker/backends';
import { forwardEngine } from '../../../src/worker/forward-engine';
import { loadModel } from '../../../src/worker/model/load-model';
import type { LoadedModel } from '../../../src/worker/model/loaded-model';
import { OrtClassifier } from '../../../src/worker/compute/ort-classifier';
import { TfClassifier } from '../../../src/worker/model/tf-classifier';
import { graphModelToOnnx } from '../../../src/worker/onnx/graph-to-onnx';
import { NotTranslatable } from '../../../src/worker/onnx/onnx-graph';
import { OnnxForward } from '../../../src/worker/onnx/onnx-forward';
import type { Tf } from '../../../src/worker/tf';
import { temporaryFolder } from '../models';
import { biasAdd, conv, float, flatten, fusedConv, fusedMatMul, GraphBuilder, graphZoo, matMul } from './graph-zoo';
import { seededValues, worstDifference } from './seeded';

const rows = 3;
const tolerance = 1e-5;
let runtimeTf: Tf;
const folder = temporaryFolder('graph-to-onnx');

before(async () => {
  runtimeTf = (await loadBackend('wasm')).tf;
});

after(() => rmSync(folder, { recursive: true, force: true }));

// ---- the comparison ----

async function loaded(builder: GraphBuilder, name: string): Promise<LoadedModel> {
  return loadModel(runtimeTf, builder.write(folder, name));
}

/** ONNX Runtime's outputs against TF.js's for seeded images in [low, high). */
async function assertSameOutputs(builder: GraphBuilder, name: string, range: [number, number] = [-1, 1]): Promise<void> {
  const model = await loaded(builder, name);
  try {
    const shape = model.geometry.shape;
    const images = seededValues(rows * shape.reduce((a, b) => a * b, 1), name.length, ...range);
    const expected = tf.tidy(() => model.outputs(tf.tensor(images, [rows, ...shape])).dataSync() as Float32Array);
    const forward = await OnnxForward.create(model.toOnnx!(), shape);
    try {
      const actual = await forward.run(images, rows);
      assert.equal(actual.length, expected.length, `${name}: output size`);
      assert.ok(expected.some((v) => Math.abs(v - expected[0]) > 1e-3), `${name}: the outputs vary`);
      const worst = worstDifference(actual, expected);
      assert.ok(worst < tolerance, `${name}: ONNX Runtime differs from TF.js by ${worst}`);
    } finally {
      await forward.dispose();
    }
  } finally {
    model.dispose();
  }
}

for (const { name, id, build, range } of graphZoo) {
  test(name, () => assertSameOutputs(build(), id, range));
}

/** conv → Cos (run by TF.js, not translated) → flatten → dense softmax. */
function untranslatable(): GraphBuilder {
  const g = new GraphBuilder([4, 4, 1], 8);
  const x = g.op('wave', 'Cos', [conv(g, 'conv', 'image', [3, 3, 1, 2])]);
  g.op('softmax', 'Softmax', [matMul(g, 'dense', flatten(g, 'flatten', x, 32), [32, 3])]);
  return g;
}

test('untranslatable graphs throw NotTranslatable naming the node and the op', async () => {
  const isUnsupported = (pattern: RegExp) => (error: unknown) => error instanceof NotTranslatable && pattern.test(error.message);
  const cos = await loaded(untranslatable(), 'cos');
  assert.throws(() => cos.toOnnx!(), isUnsupported(/^node wave: Cos is not translated to ONNX$/));
  cos.dispose();

  const acrossBatch = new GraphBuilder([2, 2, 1], 9);
  matMul(acrossBatch, 'dense', acrossBatch.op('flat', 'Reshape', ['image', acrossBatch.ints('flat/shape', [-1, 2])]), [2, 3]);
  const reshaped = await loaded(acrossBatch, 'across-batch');
  assert.throws(() => reshaped.toOnnx!(), isUnsupported(/^node flat: reshaping \[-1, 2, 2, 1\] to \[-1, 2\] is not translated$/));
  reshaped.dispose();

  const leakyDepthwise = new GraphBuilder([3, 3, 1], 10);
  const leaky = fusedConv(leakyDepthwise, 'depthwise', 'image', [3, 3, 1, 2], ['BiasAdd', 'LeakyRelu'], { depthwise: true });
  matMul(leakyDepthwise, 'dense', flatten(leakyDepthwise, 'flat', leaky, 18), [18, 2]);
  const depthwise = await loaded(leakyDepthwise, 'leaky-depthwise');
  assert.throws(() => depthwise.toOnnx!(), isUnsupported(/^node depthwise: TF\.js runs FusedDepthwiseConv2dNative's LeakyRelu without its alpha$/));
  depthwise.dispose();

  // TF.js itself refuses to run these: the translator alone.
  const tanhFused = new GraphBuilder([3, 3, 1], 11);
  fusedMatMul(tanhFused, 'dense', flatten(tanhFused, 'flat', 'image', 9), [9, 2], ['BiasAdd', 'Tanh']);
  assert.throws(() => graphModelToOnnx(tanhFused.source()), isUnsupported(/^node dense: fused operations \[biasadd, tanh\] are not translated$/));
  const normFused = new GraphBuilder([3, 3, 1], 12);
  fusedConv(normFused, 'conv', 'image', [3, 3, 1, 2], ['FusedBatchNorm', 'Relu']);
  assert.throws(() => graphModelToOnnx(normFused.source()), isUnsupported(/^node conv: fused operations \[fusedbatchnorm, relu\] are not translated$/));
  const twoInputs = new GraphBuilder([3, 3, 1], 13);
  twoInputs.op('other', 'Placeholder', [], { dtype: float });
  matMul(twoInputs, 'dense', flatten(twoInputs, 'flat', twoInputs.op('sum', 'AddV2', ['image', 'other']), 9), [9, 2]);
  assert.throws(() => graphModelToOnnx(twoInputs.source()), isUnsupported(/^node other: a second input is not translated$/));
  const spatialOutput = new GraphBuilder([3, 3, 1], 14);
  conv(spatialOutput, 'conv', 'image', [3, 3, 1, 2]);
  assert.throws(() => graphModelToOnnx(spatialOutput.source()), isUnsupported(/^node Identity: the output is not \[batch, classes\]$/));
});

test('forward engine: auto takes ONNX Runtime for a translatable graph model, TF.js with a note otherwise', async () => {
  const g = new GraphBuilder([5, 5, 3], 15);
  let x = fusedConv(g, 'conv', 'image', [3, 3, 3, 4], ['BiasAdd', 'Relu'], { strides: 2 });
  x = flatten(g, 'flatten', x, 3 * 3 * 4);
  g.op('softmax', 'Softmax', [biasAdd(g, 'dense/bias_add', matMul(g, 'dense', x, [36, 3]), 3)]);
  const translatable = new TfClassifier(runtimeTf, await loaded(g, 'engine'), 8);
  const engine = await forwardEngine('auto', 'auto', 'wasm', translatable.model, translatable);
  assert.equal(engine.forward, 'onnxruntime');
  assert.equal(engine.note, undefined);
  assert.ok(engine.classifier instanceof OrtClassifier);
  engine.classifier.dispose();

  const tfjs = new TfClassifier(runtimeTf, await loaded(untranslatable(), 'engine-cos'), 8);
  const fallback = await forwardEngine('auto', 'auto', 'wasm', tfjs.model, tfjs);
  assert.deepEqual(fallback, { classifier: tfjs, forward: 'tfjs', gradient: 'tfjs', executionProvider: null, note: 'the model runs on TF.js wasm: node wave: Cos is not translated to ONNX' });
  tfjs.dispose();
});
