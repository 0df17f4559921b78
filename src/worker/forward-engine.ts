/**
 * Chooses what runs a worker's forward passes. `auto` takes ONNX Runtime on the wasm and cpu
 * backends when it is installed and the model translates (src/worker/onnx/), and the TF.js
 * backend itself otherwise (the native TensorFlow backends have fast kernels, and the GPU);
 * `onnxruntime` insists and fails with a one-line reason; `tfjs` never uses it.
 *
 * A translated model is checked against TF.js on a few seeded images before it is trusted.
 */
import type { Classifier } from '../engine/classifier';
import { SeededRandom } from '../engine/rng';
import { forwardChoices, type BackendName, type ForwardChoice, type ForwardName } from '../protocol/report';
import { OnnxClassifier } from './model/onnx-classifier';
import type { LoadedModel } from './model/loaded-model';
import type { TfClassifier } from './model/tf-classifier';
import { OnnxForward, OnnxRuntimeNotInstalled } from './onnx/onnx-forward';


export interface ForwardEngine {
  classifier: Classifier;
  forward: ForwardName;
  /** Why `auto` kept the forward passes on TF.js, when it tried ONNX Runtime. */
  note?: string;
}

/** Largest |ONNX − TF.js| output accepted on the check images (float32 reassociation is ~1e-6). */
const tolerance = 1e-4;
const checkImages = 4;

/** @param threads ONNX Runtime's CPU threads (the worker's share of the cores). */
export async function forwardEngine(choice: ForwardChoice, backend: BackendName, model: LoadedModel, tfClassifier: TfClassifier, threads = 1): Promise<ForwardEngine> {
  if (!forwardChoices.includes(choice)) throw new Error(`unknown forward engine "${String(choice)}" (one of ${forwardChoices.join(', ')})`);
  const tfjs: ForwardEngine = { classifier: tfClassifier, forward: 'tfjs' };
  if (choice === 'tfjs' || (choice === 'auto' && (backend === 'tensorflow' || backend === 'tensorflow-gpu'))) return tfjs;
  try {
    return { classifier: await onnxClassifier(model, tfClassifier, threads), forward: 'onnxruntime' };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    if (choice === 'onnxruntime') throw new Error(`forward passes on ONNX Runtime: ${reason}`);
    if (error instanceof OnnxRuntimeNotInstalled) return tfjs;
    return { ...tfjs, note: `forward passes on TF.js ${backend}: ${reason}` };
  }
}

async function onnxClassifier(model: LoadedModel, tfClassifier: TfClassifier, threads: number): Promise<OnnxClassifier> {
  if (!model.toOnnx) throw new Error(`a ${model.format} is not translated to ONNX`);
  const bytes = model.toOnnx();
  const forward = await OnnxForward.create(bytes, model.geometry.shape, threads);
  const classifier = new OnnxClassifier(forward, tfClassifier, model.outputCount, model.outputActivation, tfClassifier.maxBatch);
  try {
    await checkAgainstTfjs(forward, tfClassifier);
  } catch (error) {
    await forward.dispose();
    throw error;
  }
  return classifier;
}

async function checkAgainstTfjs(forward: OnnxForward, tfClassifier: TfClassifier): Promise<void> {
  const random = new SeededRandom(7);
  const images = Float32Array.from({ length: checkImages * tfClassifier.dimension }, () => random.next());
  const onnx = await forward.run(images, checkImages);
  const tfjs = await tfClassifier.outputs(images, checkImages);
  let worst = 0;
  for (let i = 0; i < tfjs.length; i++) worst = Math.max(worst, Math.abs(onnx[i] - tfjs[i]) / Math.max(1, Math.abs(tfjs[i])));
  if (!(worst <= tolerance) || onnx.length !== tfjs.length) {
    throw new Error(`the translated model's outputs differ from TF.js's (by up to ${worst.toExponential(1)})`);
  }
}
