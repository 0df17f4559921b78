/**
 * A compute graph is trusted only once it gives the model's own outputs on a few seeded images:
 * against TF.js for a translated TF.js model, against ONNX Runtime on the untouched file for an
 * ONNX model (which checks the folding, the batch rewrite and the pixel prefix).
 */
import { SeededRandom } from '../../engine/rng';
import { channelParameters, type Preprocessing } from '../../protocol/preprocessing';
import { loadOnnxRuntime } from '../onnx/onnx-forward';
import type { ComputeGraphs } from '../onnx/compute-graph';
import type { OutputActivation } from '../model/loaded-model';
import type { TfClassifier } from '../model/tf-classifier';
import type { OrtClassifier } from './ort-classifier';

/** Largest |ours − reference| accepted, relative to max(1, the row's largest |reference|) (float32 reassociation is ~1e-6; logits of 1e12 happen at random weights). */
const tolerance = 1e-4;
const checkImages = 4;

function seededImages(count: number, dimension: number): Float32Array {
  const random = new SeededRandom(7);
  return Float32Array.from({ length: count * dimension }, () => random.next());
}

export async function checkAgainstReference(classifier: OrtClassifier, reference: TfClassifier): Promise<void> {
  const images = seededImages(checkImages, classifier.dimension);
  const ours = activated(await classifier.logits(images, checkImages), checkImages, reference.model.outputActivation);
  compare(ours, await reference.outputs(images, checkImages), checkImages, "the translated model's outputs differ from TF.js's");
}

export async function checkAgainstSource(classifier: OrtClassifier, modelPath: string, graphs: ComputeGraphs, preprocessing: Preprocessing): Promise<void> {
  const ort = loadOnnxRuntime();
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], intraOpNumThreads: 1, graphOptimizationLevel: 'basic', logSeverityLevel: 3 });
  try {
    const rows = graphs.fixedBatch ?? 2;
    const images = seededImages(rows, classifier.dimension);
    const input = modelInput(images, rows, graphs, preprocessing);
    const dims = graphs.layout === 'nchw' ? [rows, graphs.imageShape[2], graphs.imageShape[0], graphs.imageShape[1]] : [rows, ...graphs.imageShape];
    const results = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, dims) });
    const theirs = results[session.outputNames[0]].data as Float32Array;
    const ours = activated(await classifier.logits(images, rows), rows, graphs.outputOp);
    compare(ours, theirs, rows, "the prepared graph's outputs differ from the model's own");
  } finally {
    await session.release();
  }
}

/** The model's own input for NHWC pixel rows: preprocessing, then its layout. */
function modelInput(images: Float32Array, rows: number, graphs: ComputeGraphs, preprocessing: Preprocessing): Float32Array {
  const [height, width] = graphs.imageShape;
  const channels = graphs.imageShape.length === 3 ? graphs.imageShape[2] : 1;
  const { order, multiply, offset } = channelParameters(preprocessing, channels);
  const out = new Float32Array(images.length);
  const plane = height * width;
  for (let n = 0; n < rows; n++) {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < channels; c++) {
        const source = images[(n * plane + p) * channels + (order ? order[c] : c)];
        const value = Math.fround(Math.fround(source * multiply[c]) + offset[c]);
        out[graphs.layout === 'nchw' ? (n * channels + c) * plane + p : (n * plane + p) * channels + c] = value;
      }
    }
  }
  return out;
}

function activated(logits: Float32Array, rows: number, activation: OutputActivation | ComputeGraphs['outputOp']): Float32Array {
  if (activation === 'sigmoid' || activation === 'Sigmoid') return logits.map((z) => 1 / (1 + Math.exp(-z)));
  if (activation !== 'softmax' && activation !== 'Softmax' && activation !== 'LogSoftmax') return logits;
  const k = logits.length / rows;
  const out = new Float32Array(logits.length);
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * k, (r + 1) * k);
    const max = Math.max(...row);
    const exps = Array.from(row, (z) => Math.exp(z - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, i) => (out[r * k + i] = activation === 'LogSoftmax' ? Math.log(e / sum) : e / sum));
  }
  return out;
}

function compare(ours: Float32Array, theirs: Float32Array, rows: number, what: string): void {
  if (ours.length !== theirs.length) throw new Error(`${what}: ${ours.length} values against ${theirs.length}`);
  const k = theirs.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    const row = theirs.subarray(r * k, (r + 1) * k);
    const scale = Math.max(1, ...Array.from(row, Math.abs));
    for (let i = r * k; i < (r + 1) * k; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / scale);
  }
  if (!(worst <= tolerance)) throw new Error(`${what} (by up to ${worst.toExponential(1)})`);
}
