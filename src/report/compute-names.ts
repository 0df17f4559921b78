/** How a run's compute is named: the TF.js backend, and what ran the forward passes when that differs. */
import type { ForwardName, RunConfig } from '../protocol/report';

export const forwardEngineNames: Record<ForwardName, string> = { onnxruntime: 'ONNX Runtime', tfjs: 'TF.js' };

/**
 * "wasm · forward passes on ONNX Runtime"; the backend alone when it ran the forward passes too
 * (or the report predates config.forward).
 */
export function engineText(backend: string, forward: ForwardName | undefined): string {
  return forward === 'onnxruntime' ? `${backend} · forward passes on ${forwardEngineNames.onnxruntime}` : backend;
}

/** The report's "Forward passes" setting; null for reports from before config.forward. */
export function forwardPassesText(config: Pick<RunConfig, 'backend' | 'forward'>): string | null {
  switch (config.forward) {
    case 'onnxruntime':
      return `ONNX Runtime, CPU kernels (gradients on ${config.backend})`;
    case 'tfjs':
      return `TF.js ${config.backend}, like the gradients`;
    case undefined:
      return null;
  }
}
