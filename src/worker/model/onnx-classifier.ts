/**
 * The engine's Classifier with its forward passes on ONNX Runtime and its gradients on TF.js.
 * Perturbed images are built on the host in float32 (x + s·direction, rounded as TF.js rounds
 * each op), so both paths see the same inputs.
 */
import type { Classifier, MarginGradients } from '../../engine/classifier';
import type { LossKind } from '../../protocol/report';
import type { OnnxForward } from '../onnx/onnx-forward';
import type { OutputActivation } from './loaded-model';
import { classesFromOutputs, probabilitiesFromOutputs } from './output-decoding';
import { checkImage, checkMaxBatch, checkPerturbed, classifyInBatches } from './classifier-arguments';

export class OnnxClassifier implements Classifier {
  readonly inputShape: readonly number[];
  readonly dimension: number;
  readonly classCount: number;

  /**
   * @param gradients computes the gradients (a TfClassifier over the same model); disposed with this.
   * @param maxBatch most images per forward pass.
   */
  constructor(
    private readonly forward: OnnxForward,
    private readonly gradients: Classifier,
    private readonly outputCount: number,
    private readonly outputActivation: OutputActivation,
    readonly maxBatch: number,
  ) {
    checkMaxBatch(maxBatch);
    this.inputShape = gradients.inputShape;
    this.dimension = gradients.dimension;
    this.classCount = gradients.classCount;
  }

  predict(batch: Float32Array, count: number): Promise<Int32Array> {
    return classifyInBatches(batch, count, this.dimension, this.maxBatch, (images, rows) => this.classes(images, rows));
  }

  async probabilities(x: Float32Array): Promise<Float32Array> {
    checkImage(x, this.dimension);
    return probabilitiesFromOutputs(await this.forward.run(x, 1), this.outputActivation);
  }

  async predictPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, scales: Float32Array, clip: boolean): Promise<Int32Array> {
    const d = this.dimension;
    const count = scales.length;
    checkPerturbed(x, directions, directionCount, count, d);
    const classes = new Int32Array(count);
    const batch = new Float32Array(Math.min(this.maxBatch, count) * d);
    for (let start = 0; start < count; start += this.maxBatch) {
      const rows = Math.min(this.maxBatch, count - start);
      for (let row = 0; row < rows; row++) {
        const scale = scales[start + row];
        const offset = directionCount === 1 ? 0 : (start + row) * d;
        const target = row * d;
        for (let i = 0; i < d; i++) {
          // float32 product, then float32 sum: Math.fround and the array store round as TF.js's mul and add do.
          const value = x[i] + Math.fround(scale * directions[offset + i]);
          batch[target + i] = clip ? (value < 0 ? 0 : value > 1 ? 1 : value) : value;
        }
      }
      classes.set(await this.classes(batch.subarray(0, rows * d), rows), start);
    }
    return classes;
  }

  /** On TF.js: ONNX Runtime's graph ends at the model's outputs, after the sigmoid/softmax. */
  logitsPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, scales: Float32Array, clip: boolean): Promise<Float32Array> {
    if (!this.gradients.logitsPerturbed) throw new Error('the model gives no logits');
    return this.gradients.logitsPerturbed(x, directions, directionCount, scales, clip);
  }

  lossGradient(x: Float32Array, label: number): Promise<{ gradient: Float32Array; loss: LossKind } | null> {
    return this.gradients.lossGradient(x, label);
  }

  async marginGradients(x: Float32Array, label: number, others: readonly number[]): Promise<MarginGradients> {
    if (!this.gradients.marginGradients) throw new Error('the model gives no margin gradients');
    return this.gradients.marginGradients(x, label, others);
  }

  dispose(): void {
    this.gradients.dispose();
    void this.forward.dispose();
  }

  private async classes(batch: Float32Array, rows: number): Promise<Int32Array> {
    return classesFromOutputs(await this.forward.run(batch, rows), rows, this.outputCount, this.outputActivation);
  }
}
