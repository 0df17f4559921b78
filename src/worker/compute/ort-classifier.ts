/**
 * The engine's Classifier with everything on ONNX Runtime: forward passes on the forward graph,
 * and every gradient from one primitive on the gradient graph (compute-graph.ts):
 *     vjp(x [n, d], w [n, k]) → logits [n, k], ∂(Σ w·z)/∂x [n, d]
 * Cross-entropy is w = softmax(z) − onehot(y), which the gradient graph adds itself from one-hot
 * labels (one run per loss gradient); a logit margin is w = e_y − e_k; DeepFool's per-class
 * gradients are several rows of w for the same image, and their margins come from the same run.
 * Perturbed images x + s·direction are built by the forward graph (compute-graph.ts) in float32,
 * rounded as TF.js rounds its mul and add, so this and the TF.js path see the same inputs.
 */
import type { Classifier, MarginGradients } from '../../engine/classifier';
import type { LossKind } from '../../protocol/report';
import type { ComputeGraphs } from '../onnx/compute-graph';
import { cotangentName, crossEntropyLabelsName, perturbationInputs, pixelsName } from '../onnx/compute-graph';
import { classesFromOutputs, probabilitiesFromOutputs } from '../model/output-decoding';
import { checkImage, checkLabel, checkMarginClasses, checkMaxBatch, checkPerturbed, classifyInBatches } from '../model/classifier-arguments';
import type { OrtSession } from './ort-session';

export class OrtClassifier implements Classifier {
  readonly inputShape: readonly number[];
  readonly dimension: number;
  readonly classCount: number;
  /** Rows per gradient pass: a backward pass holds about three times a forward pass's values. */
  private readonly gradientBatch: number;
  private readonly zeroDirection: Float32Array;
  /** The vjp's labels input for multi-class graphs (no cross-entropy term), one per batch size: ONNX Runtime only reads it. */
  private readonly zeroLabels = new Map<number, Float32Array>();

  constructor(
    private readonly forward: OrtSession,
    private readonly gradient: OrtSession,
    private readonly graphs: Pick<ComputeGraphs, 'imageShape' | 'logitCount'>,
    readonly maxBatch: number,
  ) {
    checkMaxBatch(maxBatch);
    this.inputShape = graphs.imageShape;
    this.dimension = graphs.imageShape.reduce((a, b) => a * b, 1);
    this.classCount = graphs.logitCount === 1 ? 2 : graphs.logitCount;
    this.gradientBatch = Math.max(1, Math.floor(maxBatch / 3));
    this.zeroDirection = new Float32Array(this.dimension);
  }

  private get logitCount(): number {
    return this.graphs.logitCount;
  }

  /** Logits of `rows` images: rows × logitCount values. */
  logits(images: Float32Array, rows: number): Promise<Float32Array> {
    return this.forwardPass(images, rows, this.zeroDirection, 1, new Float32Array(rows), false);
  }

  /**
   * Logits of x + multipliers[i]·directions[i] (clipped to [0, 1] with `clip`), the sum built by the
   * forward graph itself; `images` is 1 image or multipliers.length of them, `directionRows` 1 or
   * multipliers.length.
   */
  private async forwardPass(images: Float32Array, imageRows: number, directions: Float32Array, directionRows: number, multipliers: Float32Array, clip: boolean): Promise<Float32Array> {
    const { x, directions: directionsName, multipliers: multipliersName, low, high } = perturbationInputs;
    const [logits] = await this.forward.run({
      [x]: [images, [imageRows, ...this.inputShape]],
      [directionsName]: [directions, [directionRows, ...this.inputShape]],
      [multipliersName]: [multipliers, [multipliers.length, ...this.inputShape.map(() => 1)]],
      [low]: [clip ? zero : minusInfinity, []],
      [high]: [clip ? one : plusInfinity, []],
    });
    return logits;
  }

  /** The primitive: logits and ∂(Σ w·z)/∂x for `rows` images and cotangent rows `w`. */
  vjp(images: Float32Array, rows: number, w: Float32Array): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    return this.gradientPass(images, rows, w, null);
  }

  /**
   * The gradient graph's run: with `labels` (one-hot rows, k ≥ 2 classes only) the graph adds the
   * cross-entropy cotangent softmax(z) − onehot of those rows to w.
   */
  private async gradientPass(images: Float32Array, rows: number, w: Float32Array, labels: Float32Array | null): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    if (images.length !== rows * this.dimension || w.length !== rows * this.logitCount) {
      throw new Error(`vjp: ${images.length} values and ${w.length} cotangents are not ${rows} images of ${this.dimension} and ${this.logitCount} logits`);
    }
    const inputs: Record<string, [Float32Array, readonly number[]]> = {
      [pixelsName]: [images, [rows, ...this.inputShape]],
      [cotangentName]: [w, [rows, this.logitCount]],
    };
    if (this.logitCount > 1) inputs[crossEntropyLabelsName] = [labels ?? this.zeroLabelsOf(rows), [rows, this.logitCount]];
    const [logits, gradient] = await this.gradient.run(inputs);
    return { logits, gradient };
  }

  private zeroLabelsOf(rows: number): Float32Array {
    let zeros = this.zeroLabels.get(rows);
    if (!zeros) {
      zeros = new Float32Array(rows * this.logitCount);
      this.zeroLabels.set(rows, zeros);
    }
    return zeros;
  }

  predict(batch: Float32Array, count: number): Promise<Int32Array> {
    return classifyInBatches(batch, count, this.dimension, this.maxBatch, async (images, rows) => this.classes(await this.logits(images, rows), rows));
  }

  async probabilities(x: Float32Array): Promise<Float32Array> {
    checkImage(x, this.dimension);
    return probabilitiesFromOutputs(await this.logits(x, 1), 'linear');
  }

  async predictPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Int32Array> {
    const classes = new Int32Array(multipliers.length);
    await this.perturbedBatches(x, directions, directionCount, multipliers, clip, (logits, rows, start) => {
      classes.set(this.classes(logits, rows), start);
    });
    return classes;
  }

  async logitsPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Float32Array> {
    const out = new Float32Array(multipliers.length * this.logitCount);
    await this.perturbedBatches(x, directions, directionCount, multipliers, clip, (logits, _rows, start) => {
      out.set(logits, start * this.logitCount);
    });
    return out;
  }

  async lossGradient(x: Float32Array, label: number): Promise<{ gradient: Float32Array; loss: LossKind } | null> {
    checkImage(x, this.dimension);
    checkLabel(label, this.classCount);
    const k = this.logitCount;
    if (k === 1) {
      // The loss −z for label 1, +z for label 0: its gradient points where the prediction flips.
      const { gradient } = await this.vjp(x, 1, Float32Array.of(label === 1 ? -1 : 1));
      return gradient.some((v) => v !== 0) ? { gradient, loss: 'logit' } : null;
    }
    // Cross-entropy in one run; where its gradient vanishes (a saturated softmax), the margin's.
    const labels = new Float32Array(k);
    labels[label] = 1;
    const crossEntropy = await this.gradientPass(x, 1, new Float32Array(k), labels);
    if (crossEntropy.gradient.some((v) => v !== 0)) return { gradient: crossEntropy.gradient, loss: 'cross-entropy' };
    const w = marginCotangent(crossEntropy.logits, label);
    const { gradient } = await this.vjp(x, 1, w);
    return gradient.some((v) => v !== 0) ? { gradient, loss: 'margin' } : null;
  }

  async marginGradients(x: Float32Array, label: number, others: readonly number[]): Promise<MarginGradients> {
    checkImage(x, this.dimension);
    checkMarginClasses(label, others, this.classCount);
    const k = this.logitCount;
    const classLogits = (z: Float32Array) => (k === 1 ? Float32Array.of(0, z[0]) : z);
    const marginsOf = (logits: Float32Array) => {
      const z = classLogits(logits);
      return Float32Array.from(z, (zk) => z[label] - zk);
    };
    const d = this.dimension;
    if (others.length === 0) return { margins: marginsOf(await this.logits(x, 1)), gradients: new Float32Array(0), loss: k === 1 ? 'logit' : 'margin' };
    // The margins from the first gradient run's logits (its first row is x), not a forward pass more.
    let margins: Float32Array | null = null;
    const gradients = new Float32Array(others.length * d);
    for (let start = 0; start < others.length; start += this.gradientBatch) {
      const rows = Math.min(this.gradientBatch, others.length - start);
      const images = new Float32Array(rows * d);
      const w = new Float32Array(rows * k);
      for (let row = 0; row < rows; row++) {
        images.set(x, row * d);
        const other = others[start + row];
        if (k === 1) w[row] = label === 1 ? 1 : -1;
        else {
          w[row * k + label] = 1;
          w[row * k + other] = -1;
        }
      }
      const { logits, gradient } = await this.vjp(images, rows, w);
      margins ??= marginsOf(logits.subarray(0, k));
      gradients.set(gradient, start * d);
    }
    return { margins: margins as Float32Array, gradients, loss: k === 1 ? 'logit' : 'margin' };
  }

  dispose(): void {
    void this.forward.dispose();
    void this.gradient.dispose();
  }

  private classes(logits: Float32Array, rows: number): Int32Array {
    return classesFromOutputs(logits, rows, this.logitCount, 'linear');
  }

  private async perturbedBatches(
    x: Float32Array,
    directions: Float32Array,
    directionCount: number,
    multipliers: Float32Array,
    clip: boolean,
    use: (logits: Float32Array, rows: number, start: number) => Promise<void> | void,
  ): Promise<void> {
    const d = this.dimension;
    const count = multipliers.length;
    checkPerturbed(x, directions, directionCount, count, d);
    for (let start = 0; start < count; start += this.maxBatch) {
      const rows = Math.min(this.maxBatch, count - start);
      const rowDirections = directionCount === 1 ? directions : directions.subarray(start * d, (start + rows) * d);
      const logits = await this.forwardPass(x, 1, rowDirections, directionCount === 1 ? 1 : rows, multipliers.subarray(start, start + rows), clip);
      await use(logits, rows, start);
    }
  }
}

const zero = Float32Array.of(0);
const one = Float32Array.of(1);
const minusInfinity = Float32Array.of(Number.NEGATIVE_INFINITY);
const plusInfinity = Float32Array.of(Number.POSITIVE_INFINITY);

/**
 * The cotangent of max_{k≠y} z_k − z_y (the margin, descended): +1 on the strongest other class
 * (the first on a tie), −1 on the label.
 */
export function marginCotangent(z: Float32Array, label: number): Float32Array {
  let best = -1;
  for (let k = 0; k < z.length; k++) if (k !== label && (best < 0 || z[k] > z[best])) best = k;
  const w = new Float32Array(z.length);
  w[label] = -1;
  if (best >= 0) w[best] = 1;
  return w;
}
