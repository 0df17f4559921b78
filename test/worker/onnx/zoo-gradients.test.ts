// Input gradients on ONNX Runtime (the translated model's gradient graph) against TF.js's autodiff,
// on every model of the TF.js → ONNX zoos (layers-zoo.ts, graph-zoo.ts), seeded as the output
// tests seed them:
//  - every model: the VJP ∂(Σ w·y)/∂x of its output y for seeded cotangents w, two rows at once,
//    against tf.grad of the same sum;
//  - every model the tool takes as an image classifier (1 or 3 channels): OrtClassifier over
//    computeGraphs(translated bytes) against TfClassifier, for lossGradient (cross-entropy, margin
//    or logit, as each picks) and marginGradients (DeepFool's per-class rows).
// Equal means max |ONNX Runtime − TF.js| ≤ 1e-4 · max |TF.js| (per gradient row).
// Where TF.js's own gradient is missing or wrong (tfGradientBroken below, each checked to still be
// so), the reference is central finite differences of the translated forward graph instead (its
// outputs equal TF.js's to 1e-5; step 3e-3, float32 outputs summed in float64: within 2e-3 of the
// largest value), and the classifier check is skipped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { defaultPreprocessing } from '../../../src/protocol/preprocessing';
import { loadBackend } from '../../../src/worker/backends';
import { OrtClassifier } from '../../../src/worker/compute/ort-classifier';
import { OrtSession } from '../../../src/worker/compute/ort-session';
import { checkAgainstReference } from '../../../src/worker/compute/translation-check';
import { layersLoadedModel } from '../../../src/worker/model/layers-model';
import type { LoadedModel } from '../../../src/worker/model/loaded-model';
import { loadModel } from '../../../src/worker/model/load-model';
import { TfClassifier } from '../../../src/worker/model/tf-classifier';
import { withInputGradient } from '../../../src/worker/onnx/autodiff/index';
import { decodeModel, encodeModel } from '../../../src/worker/onnx/codec';
import { computeGraphs, type ComputeGraphs } from '../../../src/worker/onnx/compute-graph';
import { foldGraph } from '../../../src/worker/onnx/fold';
import { DataType, sizeOf } from '../../../src/worker/onnx/ir';
import { layersModelToOnnx } from '../../../src/worker/onnx/layers-to-onnx';
import type { Tf } from '../../../src/worker/tf';
import { temporaryFolder } from '../models';
import { graphZoo } from './graph-zoo';
import { layersZoo } from './layers-zoo';
import { seededValues, seedWeights } from './seeded';

const tolerance = 1e-4;
const finiteDifferenceTolerance = 2e-3;

/** Zoo models whose TF.js gradient is unavailable or wrong, by name, and why. */
const tfGradientBroken: Array<{ name: RegExp; why: string; throws: boolean }> = [
  { name: /Conv2D dilation 2|_FusedConv2D .*dilated/, why: 'TF.js has no gradient for dilated conv2d', throws: true },
  { name: /BatchNormalization (center|scale)/, why: "TF.js's FusedBatchNorm gradient throws without an offset or a scale", throws: true },
  { name: /averagePooling2d .* same|AvgPool/, why: "TF.js's AvgPool gradient with 'same' padding divides the edge windows by the full window size", throws: false },
];
const session = { threads: 1, executionProvider: 'cpu' as const };
let tf: Tf;
const folder = temporaryFolder('zoo-gradients');

before(async () => {
  tf = (await loadBackend('wasm')).tf;
});

after(() => rmSync(folder, { recursive: true, force: true }));

/** max |ours − theirs| / max |theirs|, asserting the reference is not all zeros. */
function relativeDifference(ours: ArrayLike<number>, theirs: ArrayLike<number>, what: string): number {
  assert.equal(ours.length, theirs.length, `${what}: as many values as TF.js`);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < theirs.length; i++) {
    worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(theirs[i]));
  }
  assert.ok(scale > 0, `${what}: TF.js's gradient is not all zeros (the case can fail)`);
  return Number.isNaN(worst) ? Infinity : worst / scale;
}

function assertClose(ours: ArrayLike<number>, theirs: ArrayLike<number>, what: string): void {
  const difference = relativeDifference(ours, theirs, what);
  assert.ok(difference <= tolerance, `${what}: ONNX Runtime differs from TF.js by ${difference.toExponential(2)} of its largest value`);
}

/** Every row of a [rows, d] array close to TF.js's row. */
function assertRowsClose(ours: Float32Array, theirs: Float32Array, rows: number, what: string): void {
  const d = theirs.length / rows;
  for (let row = 0; row < rows; row++) assertClose(ours.subarray(row * d, (row + 1) * d), theirs.subarray(row * d, (row + 1) * d), `${what}, row ${row}`);
}

interface OnnxVjp {
  /** y and ∂(Σ w·y)/∂x for `rows` inputs. */
  vjp(x: Float32Array, rows: number, w: Float32Array): Promise<Float32Array>;
  /** Central finite differences of Σ w·y for one row on the forward graph (every ±h row in one batch, summed in float64). */
  finiteDifferences(x: Float32Array, w: Float32Array): Promise<Float64Array>;
  dispose(): Promise<void>;
}

/** The model's translated graph and its input gradient on ONNX Runtime. */
async function onnxVjp(bytes: Uint8Array): Promise<OnnxVjp> {
  const graph = decodeModel(bytes);
  const [input] = graph.inputs;
  const [output] = graph.outputs;
  const inputShape = input.dims.slice(1) as number[];
  const folded = foldGraph(graph, input.name, inputShape, output.name, typeof input.dims[0] === 'number' ? input.dims[0] : null);
  const outputShape = folded.shapes.get(output.name) ?? [];
  const outputDims = (rows: number) => [rows, ...(outputShape.slice(1) as number[])];
  const forward = { ...folded.graph, outputs: [{ name: output.name, elemType: DataType.float, dims: outputShape.map((d) => (d === 'N' ? 'batch' : d)) }] };
  const gradient = withInputGradient({ graph: forward, shapes: folded.shapes }, { input: input.name, output: output.name, cotangent: 'zoo/cotangent', gradient: 'zoo/gradient' });
  const [forwardSession, gradientSession] = [await OrtSession.create(encodeModel(forward), session), await OrtSession.create(encodeModel(gradient), session)];
  return {
    async vjp(x, rows, w) {
      const [, g] = await gradientSession.run({ [input.name]: [x, [rows, ...inputShape]], 'zoo/cotangent': [w, outputDims(rows)] });
      return g;
    },
    async finiteDifferences(x, w) {
      const d = x.length;
      const h = 3e-3;
      const rows = new Float32Array(2 * d * d);
      const steps = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        rows.set(x, 2 * i * d);
        rows.set(x, (2 * i + 1) * d);
        rows[2 * i * d + i] = Math.fround(x[i] + h);
        rows[(2 * i + 1) * d + i] = Math.fround(x[i] - h);
        steps[i] = rows[2 * i * d + i] - rows[(2 * i + 1) * d + i];
      }
      const [y] = await forwardSession.run({ [input.name]: [rows, [2 * d, ...inputShape]] });
      const k = w.length;
      return Float64Array.from(steps, (step, i) => {
        let sum = 0;
        for (let j = 0; j < k; j++) sum += w[j] * (y[2 * i * k + j] - y[(2 * i + 1) * k + j]);
        return sum / step;
      });
    },
    async dispose() {
      await Promise.all([forwardSession.dispose(), gradientSession.dispose()]);
    },
  };
}

/** TF.js's ∂(Σ w·f(x))/∂x. */
function tfVjp(f: (x: Tensor) => Tensor, x: Float32Array, shape: number[], w: Float32Array): Float32Array {
  return tf.tidy(() => {
    const weights = tf.tensor(w);
    const gradient = tf.grad((input: Tensor) => tf.sum(tf.mul(tf.reshape(f(input), [-1]), weights)))(tf.tensor(x, shape));
    return gradient.dataSync() as Float32Array;
  });
}

/**
 * The VJP of the model's outputs, two rows at once. Where TF.js's gradient is broken: one row
 * against finite differences of the translated forward graph (whose outputs equal TF.js's:
 * layers-to-onnx.test.ts, graph-to-onnx.test.ts), and the reason checked to still hold.
 */
async function assertSameVjp(name: string, bytes: Uint8Array, outputs: (x: Tensor) => Tensor, inputShape: number[], outputCount: number, seed: number, range: [number, number]): Promise<void> {
  const broken = tfGradientBroken.find((entry) => entry.name.test(name));
  const rows = broken ? 1 : 2;
  const x = seededValues(rows * sizeOf(inputShape), seed + 1, ...range);
  const w = seededValues(rows * outputCount, seed + 2);
  const onnx = await onnxVjp(bytes);
  try {
    const ours = await onnx.vjp(x, rows, w);
    if (!broken) {
      assertRowsClose(ours, tfVjp(outputs, x, [rows, ...inputShape], w), rows, 'the VJP of the outputs');
      return;
    }
    const difference = relativeDifference(ours, await onnx.finiteDifferences(x, w), 'the VJP against finite differences');
    assert.ok(difference <= finiteDifferenceTolerance, `ONNX Runtime's VJP differs from finite differences by ${difference.toExponential(2)}`);
    if (broken.throws) assert.throws(() => tfVjp(outputs, x, [rows, ...inputShape], w), `${broken.why}: TF.js now differentiates it; drop the entry`);
    else assert.ok(relativeDifference(tfVjp(outputs, x, [rows, ...inputShape], w), ours, 'TF.js') > 0.05, `${broken.why}: TF.js's gradient is now right; drop the entry`);
  } finally {
    await onnx.dispose();
  }
}

async function ortClassifier(bytes: Uint8Array): Promise<{ classifier: OrtClassifier; graphs: ComputeGraphs }> {
  const graphs = computeGraphs(decodeModel(bytes), defaultPreprocessing);
  const forward = await OrtSession.create(encodeModel(graphs.forward), session);
  const gradient = await OrtSession.create(encodeModel(graphs.gradient), session);
  return { classifier: new OrtClassifier(forward, gradient, graphs, 8), graphs };
}

/** lossGradient for the predicted class and another, marginGradients against up to three others. */
async function assertSameClassifierGradients(model: LoadedModel, seed: number, range: [number, number]): Promise<void> {
  const reference = new TfClassifier(tf, model, 8);
  const { classifier: ours, graphs } = await ortClassifier(model.toOnnx!());
  try {
    if (graphs.outputActivation !== model.outputActivation) {
      // TF.js reads the head as another function (graph-model.ts does not see a Sigmoid fused into
      // _FusedMatMul: its "logits" are the probabilities), so the worker keeps such a model on TF.js.
      await assert.rejects(checkAgainstReference(ours, reference), /differ from TF\.js/);
      return;
    }
    assert.equal(ours.classCount, reference.classCount, 'class count');
    const x = seededValues(reference.dimension, seed + 3, ...range);
    const predicted = (await reference.predict(x, 1))[0];
    const k = reference.classCount;
    for (const label of new Set([predicted, (predicted + 1) % k])) {
      const [a, b] = [await ours.lossGradient(x, label), await reference.lossGradient(x, label)];
      assert.ok(a && b, `label ${label}: both have a loss gradient`);
      assert.equal(a.loss, b.loss, `label ${label}: the same loss`);
      assertClose(a.gradient, b.gradient, `lossGradient (${b.loss}), label ${label}`);
    }
    const others = [...new Set([1, Math.floor(k / 2), k - 1].map((offset) => (predicted + offset) % k))].filter((c) => c !== predicted);
    const [a, b] = [await ours.marginGradients(x, predicted, others), await reference.marginGradients(x, predicted, others)];
    assert.equal(a.loss, b.loss);
    for (let c = 0; c < k; c++) assert.ok(Math.abs(a.margins[c] - b.margins[c]) <= tolerance * Math.max(1, Math.abs(b.margins[c])), `margin to class ${c}`);
    assertRowsClose(a.gradients, b.gradients, others.length, 'marginGradients');
  } finally {
    ours.dispose();
  }
}

const isImage = (shape: readonly number[]) => (shape.length === 2 || shape.length === 3) && [1, 3].includes(shape.length === 3 ? shape[2] : 1);

/**
 * The model as the worker loads it; where the loader refuses the output's activation (a Dense
 * with selu or hardSigmoid), its outputs taken as logits, which is the function translated.
 */
function loadedLayersModel(model: tfl.LayersModel): LoadedModel {
  try {
    return layersLoadedModel(tf, model);
  } catch (error) {
    if (!/output activation/.test((error as Error).message)) throw error;
    const shape = model.inputs[0].shape.slice(1) as number[];
    const outputs = (batch: Tensor) => model.predictOnBatch(batch) as Tensor2D;
    return {
      format: 'layers-model',
      geometry: { height: shape[0], width: shape[1], channels: shape[2] ?? 1, shape },
      outputCount: model.outputs[0].shape[1] as number,
      outputActivation: 'linear',
      floatsPerImage: sizeOf(shape),
      outputs,
      logits: outputs,
      toOnnx: () => layersModelToOnnx(model),
      dispose: () => model.dispose(),
    };
  }
}

describe('layers-model zoo', () => {
  for (const { name, build, range = [-1, 1] as [number, number], seed = 3 } of layersZoo) {
    test(name, async () => {
      const model = seedWeights(build(), seed);
      try {
        const inputShape = model.inputs[0].shape.slice(1) as number[];
        const bytes = layersModelToOnnx(model);
        await assertSameVjp(name, bytes, (x) => model.apply(x) as Tensor, inputShape, sizeOf(model.outputs[0].shape.slice(1) as number[]), seed, range);
        if (isImage(inputShape) && !tfGradientBroken.some((entry) => entry.name.test(name))) await assertSameClassifierGradients(loadedLayersModel(model), seed, range);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('graph-model zoo', () => {
  for (const { name, id, build, range = [-1, 1] as [number, number] } of graphZoo) {
    test(name, async () => {
      const model = await loadModel(tf, build().write(folder, id));
      try {
        const seed = id.length;
        const inputShape = model.geometry.shape;
        await assertSameVjp(name, model.toOnnx!(), (x) => model.outputs(x), inputShape, model.outputCount, seed, range);
        if (!tfGradientBroken.some((entry) => entry.name.test(name))) await assertSameClassifierGradients(model, seed, range);
      } finally {
        model.dispose();
      }
    });
  }
});
