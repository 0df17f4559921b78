/**
 * What a worker computes with, built in one place for the worker (src/worker/session.ts) and the
 * bench: the backend, the model, the memory-sized batch, a TfClassifier for the gradients, and
 * forwardEngine's choice of what runs the forward passes.
 */
import type { Classifier } from '../engine/classifier';
import type { BackendChoice, ForwardChoice, ForwardName } from '../protocol/report';
import { loadBackend, type LoadedBackend } from './backends';
import { batchMegabytes, batchSizeFor } from './batch-size';
import { forwardEngine } from './forward-engine';
import type { LoadedModel } from './model/loaded-model';
import { loadModel } from './model/load-model';
import { TfClassifier } from './model/tf-classifier';

export interface WorkerClassifier {
  /** Disposing it disposes everything below. */
  classifier: Classifier;
  /** What runs its forward passes. */
  forward: ForwardName;
  /** Why `auto` kept the forward passes on TF.js, when it tried ONNX Runtime. */
  note: string | null;
  /** Images per forward pass: the memory-sized batch for `samples` random perturbations. */
  batch: number;
  /** The backend the gradients (and TF.js forward passes) run on, and what `auto` passed over. */
  runtime: LoadedBackend;
  model: LoadedModel;
}

export interface WorkerClassifierOptions {
  /** ONNX Runtime's CPU threads (the worker's share of the cores); default 1. */
  threads?: number;
  /** Told, as soon as they are known, of the backends `auto` passed over and why TF.js kept the forward passes. */
  log?: (line: string) => void;
}

export async function workerClassifier(
  modelPath: string,
  backend: BackendChoice,
  forward: ForwardChoice,
  samples: number,
  options: WorkerClassifierOptions = {},
): Promise<WorkerClassifier> {
  const megabytes = batchMegabytes();
  const runtime = await loadBackend(backend);
  for (const note of runtime.notes) options.log?.(`backend passed over: ${note}`);
  const model = await loadModel(runtime.tf, modelPath);
  const batch = batchSizeFor(model.floatsPerImage, megabytes, samples);
  const tfClassifier = new TfClassifier(runtime.tf, model, batch);
  try {
    const engine = await forwardEngine(forward, runtime.backend, model, tfClassifier, options.threads ?? 1);
    if (engine.note) options.log?.(engine.note);
    return { classifier: engine.classifier, forward: engine.forward, note: engine.note ?? null, batch, runtime, model };
  } catch (error) {
    tfClassifier.dispose();
    throw error;
  }
}
