/**
 * What the bench measures: every (model, backend, forward engine), and which of them is the default
 * one, i.e. what `robustness-lens check` runs here with no --backend and no --forward.
 */
import { readFileSync } from 'node:fs';
import type { TfBackendName as BackendName, ForwardChoice, ForwardName } from '../protocol/report';
import { loadBackend, nativeModulesEnv, resolveOptionalPackage } from '../worker/backends';
import { onnxRuntimePackage } from '../worker/onnx/onnx-forward';
import { workerClassifier } from '../worker/worker-classifier';

/** ONNX Runtime's version where its package is installed (where the workers find it), else null. */
export function onnxRuntimeVersion(): string | null {
  const manifest = resolveOptionalPackage(`${onnxRuntimePackage}/package.json`, process.env[nativeModulesEnv]);
  if (manifest === null) return null;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * The forward engines to measure on `backend`: those asked for, else both ONNX Runtime and TF.js
 * on the backends where `auto` may choose either (wasm, cpu) and ONNX Runtime is installed, and
 * TF.js alone elsewhere (the native backends keep their own kernels under `auto`).
 */
export function forwardsToMeasure(backend: BackendName, requested: readonly ForwardChoice[] | null, onnxRuntimeInstalled: boolean): ForwardChoice[] {
  if (requested) return [...requested];
  if ((backend === 'wasm' || backend === 'cpu') && onnxRuntimeInstalled) return ['onnxruntime', 'tfjs'];
  return ['tfjs'];
}

export interface DefaultConfiguration {
  /** What `--backend auto` loads here; null when no backend loads. */
  backend: BackendName | null;
  /** What `--forward auto` then runs the forward passes on, per model (null: the model did not load; see note). */
  forward: { model: string; forward: ForwardName | null; note: string | null }[];
}

/** The backend `auto` loads here: the first of tensorflow-gpu, tensorflow, wasm, cpu that loads. */
export async function defaultBackend(): Promise<BackendName | null> {
  try {
    return (await loadBackend('auto')).backend;
  } catch {
    return null;
  }
}

/** What `--forward auto` runs a model's forward passes on, on `backend` (the worker's own decision, made here). */
export async function autoForward(modelPath: string, backend: BackendName): Promise<{ forward: ForwardName | null; note: string | null }> {
  try {
    const built = await workerClassifier(modelPath, backend, 'auto', 1);
    built.classifier.dispose();
    return { forward: built.forward, note: built.note };
  } catch (error) {
    return { forward: null, note: (error instanceof Error ? error.message : String(error)).split('\n')[0] };
  }
}

/** True when the row measured is the one a user gets with no flags. */
export function isDefaultConfiguration(defaults: DefaultConfiguration, model: string, backend: BackendName, forward: ForwardName | null): boolean {
  if (forward === null || backend !== defaults.backend) return false;
  return defaults.forward.some((entry) => entry.model === model && entry.forward === forward);
}
