/**
 * Forward passes on ONNX Runtime's CPU kernels. TF.js's wasm backend runs one SIMD-128 thread
 * without fused multiply-add; ONNX Runtime's MLAS kernels use the machine's full vector width
 * (3.8× wasm's speed on the paper's Fashion-MNIST network here). Gradients stay on TF.js: the
 * protocol needs one per image against thousands of forward passes.
 *
 * `onnxruntime-node` is required at run time, like the native TF.js backends, and never bundled.
 */
import type * as Ort from 'onnxruntime-node';
import { requireOptionalPackage } from '../backends';

export const onnxRuntimePackage = 'onnxruntime-node';

export class OnnxRuntimeNotInstalled extends Error {}

export class OnnxForward {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    private readonly inputShape: readonly number[],
  ) {}

  /**
   * A session over `model` (ONNX bytes with one input [batch, ...inputShape] and one output) on
   * `threads` CPU threads: the worker's share of the cores (1 when there is a worker per core).
   */
  static async create(model: Uint8Array, inputShape: readonly number[], threads = 1): Promise<OnnxForward> {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`ONNX Runtime threads must be a positive integer, got ${threads}`);
    const ort = loadOnnxRuntime();
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OnnxForward(ort, session, inputShape);
  }

  /** The model's outputs for `rows` images packed in `batch`: rows × outputCount values. */
  async run(batch: Float32Array, rows: number): Promise<Float32Array> {
    const input = new this.ort.Tensor('float32', batch, [rows, ...this.inputShape]);
    const results = await this.session.run({ [this.session.inputNames[0]]: input });
    return results[this.session.outputNames[0]].data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export function loadOnnxRuntime(): typeof Ort {
  let ort: typeof Ort | null;
  try {
    ort = requireOptionalPackage<typeof Ort>(onnxRuntimePackage);
  } catch (error) {
    throw new Error(`${onnxRuntimePackage} failed to load: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
  if (!ort) throw new OnnxRuntimeNotInstalled(`${onnxRuntimePackage} is not installed`);
  return ort;
}
