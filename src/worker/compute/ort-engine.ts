/** ONNX Runtime classifiers from compute graphs, on the execution provider --backend asks for. */
import type { BackendChoice, ExecutionProvider } from '../../protocol/report';
import { encodeModel } from '../onnx/codec';
import type { ComputeGraphs } from '../onnx/compute-graph';
import { OrtClassifier } from './ort-classifier';
import { availableExecutionProviders, OrtSession, type SessionOptions } from './ort-session';

export async function ortClassifier(graphs: ComputeGraphs, batch: number, threads: number, provider: ExecutionProvider): Promise<OrtClassifier> {
  const forward = await OrtSession.create(encodeModel(graphs.forward), { threads, executionProvider: provider });
  const gradient = await gradientSession(graphs, { threads, executionProvider: provider }).catch(async (error: unknown) => {
    await forward.dispose();
    throw error;
  });
  return new OrtClassifier(forward, gradient, graphs, batch);
}

/**
 * The gradient graph's session. Its value_info (cotangent shapes with the symbolic batch) only
 * lets ONNX Runtime keep the backward pass in its blocked layout; where ONNX Runtime disputes an
 * entry (it refuses a type it infers otherwise), the graph runs without them, as it did before.
 */
export async function gradientSession(graphs: Pick<ComputeGraphs, 'gradient'>, options: SessionOptions): Promise<OrtSession> {
  try {
    return await OrtSession.create(encodeModel(graphs.gradient), options);
  } catch (error) {
    if (!graphs.gradient.valueInfo?.length) throw error;
    return OrtSession.create(encodeModel({ ...graphs.gradient, valueInfo: [] }), options);
  }
}

/** The ONNX Runtime execution provider for --backend: a GPU one only when asked for by name. */
export function executionProviderFor(backend: BackendChoice): ExecutionProvider {
  if (backend !== 'cuda' && backend !== 'webgpu') return 'cpu';
  if (!availableExecutionProviders().includes(backend)) {
    throw new Error(
      backend === 'cuda'
        ? "ONNX Runtime's CUDA execution provider is not installed (run `npx onnxruntime-node-install-cuda`, or the extension's “Install GPU Support” command)"
        : "this onnxruntime-node has no WebGPU execution provider",
    );
  }
  return backend;
}
