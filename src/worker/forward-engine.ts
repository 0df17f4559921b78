/**
 * Chooses what runs a TF.js model: `auto` takes ONNX Runtime (forward passes and gradients, on
 * the execution provider --backend names) when onnxruntime-node is installed and the model
 * translates (src/worker/onnx/), except on the native TensorFlow backends unless a GPU provider is
 * asked for; `onnxruntime` insists and fails with a one-line reason; `tfjs` never uses it.
 * A translated model is checked against TF.js on a few seeded images before it is trusted.
 */
import type { Classifier } from '../engine/classifier';
import type { Preprocessing } from '../protocol/preprocessing';
import { forwardChoices, type BackendChoice, type ExecutionProvider, type ForwardChoice, type ForwardName, type TfBackendName } from '../protocol/report';
import { checkAgainstReference } from './compute/translation-check';
import type { LoadedModel } from './model/loaded-model';
import type { TfClassifier } from './model/tf-classifier';
import { decodeModel } from './onnx/codec';
import { computeGraphs } from './onnx/compute-graph';
import { OnnxRuntimeNotInstalled } from './onnx/onnx-forward';
import { executionProviderFor, ortClassifier } from './compute/ort-engine';

export interface ForwardEngine {
  classifier: Classifier;
  forward: ForwardName;
  gradient: ForwardName;
  executionProvider: ExecutionProvider | null;
  /** Why `auto` kept the model on TF.js, when it tried ONNX Runtime. */
  note?: string;
}

export interface ForwardEngineOptions {
  /** ONNX Runtime's CPU threads (the worker's share of the cores). */
  threads?: number;
  preprocessing?: Preprocessing;
}

export async function forwardEngine(
  choice: ForwardChoice,
  requested: BackendChoice,
  backend: TfBackendName,
  model: LoadedModel,
  tfClassifier: TfClassifier,
  options: ForwardEngineOptions = {},
): Promise<ForwardEngine> {
  if (!forwardChoices.includes(choice)) throw new Error(`unknown forward engine "${String(choice)}" (one of ${forwardChoices.join(', ')})`);
  const tfjs: ForwardEngine = { classifier: tfClassifier, forward: 'tfjs', gradient: 'tfjs', executionProvider: null };
  const native = backend === 'tensorflow' || backend === 'tensorflow-gpu';
  const gpuProvider = requested === 'cuda' || requested === 'webgpu';
  if (choice === 'tfjs' || (choice === 'auto' && native && !gpuProvider)) return tfjs;
  try {
    if (!model.toOnnx) throw new Error(`a ${model.format} is not translated to ONNX`);
    const provider = executionProviderFor(requested);
    const graphs = computeGraphs(decodeModel(model.toOnnx()), options.preprocessing ?? { preset: 'unit' });
    const classifier = await ortClassifier(graphs, tfClassifier.maxBatch, options.threads ?? 1, provider);
    try {
      await checkAgainstReference(classifier, tfClassifier);
    } catch (error) {
      classifier.dispose();
      throw error;
    }
    tfClassifier.dispose();
    return { classifier, forward: 'onnxruntime', gradient: 'onnxruntime', executionProvider: provider };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    if (choice === 'onnxruntime') throw new Error(`ONNX Runtime: ${reason}`);
    if (error instanceof OnnxRuntimeNotInstalled) return tfjs;
    return { ...tfjs, note: `the model runs on TF.js ${backend}: ${reason}` };
  }
}
