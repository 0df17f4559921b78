/**
 * What a worker computes with, built in one place for the worker (src/worker/session.ts) and the
 * bench. Every model format ends in the same path: an ONNX graph, its gradient graph
 * (src/worker/onnx/), two ONNX Runtime sessions (src/worker/compute/). An ONNX file goes straight
 * there; a TF.js model is translated first, and stays on TF.js only where it does not translate
 * (or with --forward tfjs).
 */
import type { Classifier } from '../engine/classifier';
import { defaultPreprocessing, type Preprocessing } from '../protocol/preprocessing';
import { forwardChoices, type BackendChoice, type BackendName, type ExecutionProvider, type ForwardChoice, type ForwardName } from '../protocol/report';
import { loadBackend, type LoadedBackend } from './backends';
import { batchMegabytes, batchSizeFor } from './batch-size';
import type { ImageGeometry } from './model/input-shape';
import type { LoadedModel, OutputActivation } from './model/loaded-model';
import { loadModel } from './model/load-model';
import { isOnnxPath, loadOnnxFile } from './model/onnx-file';
import { preprocessedModel } from './model/preprocessed-model';
import { TfClassifier } from './model/tf-classifier';
import { forwardEngine } from './forward-engine';
import { executionProviderFor, ortClassifier } from './compute/ort-engine';
import { computeGraphs, type ComputeGraphs } from './onnx/compute-graph';
import { checkAgainstSource } from './compute/translation-check';

/** What the worker reports of the model, whatever its format. */
export interface WorkerModel {
  format: string;
  geometry: ImageGeometry;
  outputCount: number;
  outputActivation: OutputActivation;
}

export interface WorkerClassifier {
  /** Disposing it disposes everything below. */
  classifier: Classifier;
  /** What runs its forward passes, and its gradients. */
  forward: ForwardName;
  gradient: ForwardName;
  /** ONNX Runtime's execution provider, when ONNX Runtime runs the model. */
  executionProvider: ExecutionProvider | null;
  /** Why `auto` kept the model on TF.js, when it tried ONNX Runtime. */
  note: string | null;
  /** Images per forward pass: the memory-sized batch for `samples` random perturbations. */
  batch: number;
  /** The TF.js backend loaded ('onnxruntime' for an ONNX file, which needs none). */
  backend: BackendName;
  /** The TF.js runtime, when one was loaded (not for ONNX files). */
  runtime: LoadedBackend | null;
  model: WorkerModel;
}

export interface WorkerClassifierOptions {
  /** ONNX Runtime's CPU threads (the worker's share of the cores); default 1. */
  threads?: number;
  /** Folded into the model's first nodes: what the model expects of [0, 1] RGB pixels. */
  preprocessing?: Preprocessing;
  /** Told, as soon as they are known, of the backends `auto` passed over and why TF.js kept the model. */
  log?: (line: string) => void;
}

export async function workerClassifier(
  modelPath: string,
  backend: BackendChoice,
  forward: ForwardChoice,
  samples: number,
  options: WorkerClassifierOptions = {},
): Promise<WorkerClassifier> {
  if (!forwardChoices.includes(forward)) throw new Error(`unknown forward engine "${String(forward)}" (one of ${forwardChoices.join(', ')})`);
  const megabytes = batchMegabytes();
  const preprocessing = options.preprocessing ?? defaultPreprocessing;
  const threads = options.threads ?? 1;
  if (isOnnxPath(modelPath)) {
    if (forward === 'tfjs') throw new Error('an ONNX model runs on ONNX Runtime: --forward tfjs applies to TF.js models only');
    const source = await loadOnnxFile(modelPath);
    const name = modelPath.split(/[\\/]/).pop() ?? modelPath;
    const graphs = withFileName(name, () => computeGraphs(source, preprocessing));
    const batch = batchSizeFor(graphs.floatsPerImage, megabytes, samples);
    const provider = executionProviderFor(backend);
    const classifier = await ortClassifier(graphs, batch, threads, provider);
    try {
      await checkAgainstSource(classifier, modelPath, graphs, preprocessing);
    } catch (error) {
      classifier.dispose();
      throw new Error(`${name}: ${(error as Error).message}`);
    }
    return { classifier, forward: 'onnxruntime', gradient: 'onnxruntime', executionProvider: provider, note: null, batch, backend: 'onnxruntime', runtime: null, model: onnxModel(graphs) };
  }

  const tfBackend = backend === 'cuda' || backend === 'webgpu' ? 'auto' : backend;
  const runtime = await loadBackend(tfBackend);
  for (const note of runtime.notes) options.log?.(`backend passed over: ${note}`);
  const loaded = await loadModel(runtime.tf, modelPath);
  const model = preprocessedModel(runtime.tf, loaded, preprocessing);
  const batch = batchSizeFor(model.floatsPerImage, megabytes, samples);
  const tfClassifier = new TfClassifier(runtime.tf, model, batch);
  try {
    const engine = await forwardEngine(forward, backend, runtime.backend, model, tfClassifier, { threads, preprocessing });
    if (engine.note) options.log?.(engine.note);
    return { ...engine, note: engine.note ?? null, batch, backend: runtime.backend, runtime, model: tfModel(model) };
  } catch (error) {
    tfClassifier.dispose();
    throw error;
  }
}

function withFileName<T>(name: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

function onnxModel(graphs: ComputeGraphs): WorkerModel {
  const [height, width] = graphs.imageShape;
  const channels = graphs.imageShape.length === 3 ? graphs.imageShape[2] : 1;
  return {
    format: `onnx (${graphs.layout.toUpperCase()})`,
    geometry: { height, width, channels, shape: [...graphs.imageShape] },
    outputCount: graphs.logitCount,
    outputActivation: graphs.outputActivation,
  };
}

function tfModel(model: LoadedModel): WorkerModel {
  return { format: model.format, geometry: model.geometry, outputCount: model.outputCount, outputActivation: model.outputActivation };
}
