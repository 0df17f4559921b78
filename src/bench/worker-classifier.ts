/**
 * A classifier built in the bench's own process the way a worker builds its own
 * (src/worker/session.ts): the backend, the model, the memory-sized batch, a TfClassifier for the
 * gradients, and forwardEngine's choice of what runs the forward passes.
 */
import type { Classifier } from '../engine/classifier';
import type { BackendName, ForwardChoice, ForwardName } from '../protocol/report';
import { loadBackend } from '../worker/backends';
import { batchMegabytes, batchSizeFor } from '../worker/batch-size';
import { forwardEngine } from '../worker/forward-engine';
import { loadModel } from '../worker/model/load-model';
import { TfClassifier } from '../worker/model/tf-classifier';
import type { Tf } from '../worker/tf';

export interface WorkerClassifier {
  /** Disposing it disposes everything below. */
  classifier: Classifier;
  /** What runs its forward passes. */
  forward: ForwardName;
  /** Why `auto` kept the forward passes on TF.js, when it tried ONNX Runtime. */
  note: string | null;
  /** Images per forward pass: the worker's memory-sized batch for `samples` random perturbations. */
  batch: number;
  /** The TF.js namespace the gradients (and TF.js forward passes) run on. */
  tf: Tf;
}

export async function workerClassifier(modelPath: string, backend: BackendName, forward: ForwardChoice, samples: number): Promise<WorkerClassifier> {
  const { tf } = await loadBackend(backend);
  const model = await loadModel(tf, modelPath);
  const batch = batchSizeFor(model.floatsPerImage, batchMegabytes(), samples);
  const tfClassifier = new TfClassifier(tf, model, batch);
  try {
    const engine = await forwardEngine(forward, backend, model, tfClassifier);
    return { classifier: engine.classifier, forward: engine.forward, note: engine.note ?? null, batch, tf };
  } catch (error) {
    tfClassifier.dispose();
    throw error;
  }
}
