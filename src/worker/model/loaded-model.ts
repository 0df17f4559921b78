import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { ImageGeometry } from './input-shape';

/** How the model's outputs were read: the activation of its last layer. */
export type OutputActivation = 'sigmoid' | 'softmax' | 'linear';

export type ModelFormat = 'layers-model' | 'graph-model';

/** A loaded model, whatever its format, as the classifier uses it. */
export interface LoadedModel {
  readonly format: ModelFormat;
  readonly geometry: ImageGeometry;
  /** Outputs per image: 1 (binary, sigmoid or a single logit) or k classes. */
  readonly outputCount: number;
  readonly outputActivation: OutputActivation;
  /** Float32 values one image occupies through a forward pass (input and activations), to size batches. */
  readonly floatsPerImage: number;
  /** The model's own outputs for a batch [n, ...geometry.shape]: [n, outputCount]. */
  outputs(batch: Tensor): Tensor2D;
  /** The outputs before the final sigmoid/softmax (the logits): [n, outputCount]. Differentiable. */
  logits(batch: Tensor): Tensor2D;
  /** The model as ONNX bytes for ONNX Runtime's forward passes; absent where it is not translated. Throws NotTranslatable. */
  toOnnx?(): Uint8Array;
  dispose(): void;
}
