/**
 * ONNX Runtime sessions for the compute graphs, on the execution provider the run asks for:
 * CPU (its MLAS kernels use the machine's full vector width: 3.5× TF.js wasm's forward speed on
 * the paper's Fashion-MNIST network here), CUDA where its provider libraries are installed, or
 * WebGPU, which onnxruntime-node ships. `onnxruntime-node` is required at run time, never bundled.
 */
import type * as Ort from 'onnxruntime-node';
import { loadOnnxRuntime } from '../onnx/onnx-forward';
import type { ExecutionProvider } from '../../protocol/report';

export interface SessionOptions {
  /** CPU threads (the worker's share of the cores). */
  threads: number;
  executionProvider: ExecutionProvider;
}

export class OrtSession {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
  ) {}

  static async create(model: Uint8Array, options: SessionOptions): Promise<OrtSession> {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new Error(`ONNX Runtime threads must be a positive integer, got ${options.threads}`);
    const ort = loadOnnxRuntime();
    const providers: Ort.InferenceSession.ExecutionProviderConfig[] = options.executionProvider === 'cpu' ? ['cpu'] : [options.executionProvider, 'cpu'];
    const session = await ort.InferenceSession.create(model, {
      executionProviders: providers,
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Warnings (e.g. weights exported as graph inputs) would reach the run's stderr; errors still throw.
      logSeverityLevel: 3,
    });
    return new OrtSession(ort, session);
  }

  /** Runs the graph on float32 inputs given as [values, dims]; returns every output's values. */
  async run(inputs: Record<string, [Float32Array, readonly number[]]>): Promise<Float32Array[]> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, [values, dims]] of Object.entries(inputs)) feeds[name] = new this.ort.Tensor('float32', values, dims);
    const results = await this.session.run(feeds);
    return this.session.outputNames.map((name) => results[name].data as Float32Array);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** The execution providers this onnxruntime-node can use, as ONNX Runtime lists them. */
export function availableExecutionProviders(): ExecutionProvider[] {
  const ort = loadOnnxRuntime();
  const listed = typeof ort.listSupportedBackends === 'function' ? ort.listSupportedBackends() : [{ name: 'cpu', bundled: true }];
  return listed.map((b) => b.name).filter((name): name is ExecutionProvider => name === 'cpu' || name === 'cuda' || name === 'webgpu');
}
