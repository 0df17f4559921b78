/**
 * The engine's Classifier over a loaded TF.js model. Perturbed images are built on the device
 * (x + s·direction, clipped when asked); multi-row direction arrays (the run's random set, cut
 * into the same chunks for every image) are uploaded once and kept by identity. Every call runs
 * in tf.tidy, so the tensor count stays flat from image to image.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Classifier, MarginGradients } from '../../engine/classifier';
import type { LossKind } from '../../protocol/report';
import type { Tf } from '../tf';
import type { LoadedModel } from './loaded-model';
import { checkImage, checkLabel, checkMarginClasses, checkMaxBatch, checkPerturbed, classifyInBatches } from './classifier-arguments';

export class TfClassifier implements Classifier {
  readonly inputShape: readonly number[];
  readonly dimension: number;
  readonly classCount: number;

  private readonly uploaded = new WeakMap<Float32Array, Tensor2D>();
  private readonly live = new Set<Tensor2D>();
  /** Frees an uploaded direction array's tensor once the caller lets go of the array. */
  private readonly finalizer = new FinalizationRegistry<Tensor2D>((tensor) => this.release(tensor));
  private keptBytes = 0;

  /**
   * @param maxBatch most images per forward pass (from the memory budget); larger requests are split.
   */
  constructor(
    private readonly tf: Tf,
    readonly model: LoadedModel,
    readonly maxBatch: number,
    /** Most bytes of direction rows kept on the device between calls. */
    private readonly deviceCacheBytes: number = defaultDeviceCacheBytes(),
  ) {
    checkMaxBatch(maxBatch);
    this.inputShape = model.geometry.shape;
    this.dimension = model.geometry.shape.reduce((a, b) => a * b, 1);
    this.classCount = model.outputCount === 1 ? 2 : model.outputCount;
  }

  predict(batch: Float32Array, count: number): Promise<Int32Array> {
    return classifyInBatches(batch, count, this.dimension, this.maxBatch, (images, rows) =>
      this.readInt32(this.tf.tidy(() => this.classesOf(this.model.outputs(this.tf.tensor(images, [rows, ...this.inputShape]))))),
    );
  }

  /** The model's own outputs for `count` images: count × outputCount values. */
  async outputs(batch: Float32Array, count: number): Promise<Float32Array> {
    if (batch.length !== count * this.dimension) throw new Error(`outputs: ${batch.length} values are not ${count} images of ${this.dimension}`);
    const result = this.tf.tidy(() => this.model.outputs(this.tf.tensor(batch, [count, ...this.inputShape])));
    const values = (await result.data()) as Float32Array;
    result.dispose();
    return values;
  }

  async probabilities(x: Float32Array): Promise<Float32Array> {
    checkImage(x, this.dimension);
    const result = this.tf.tidy(() => {
      const outputs = this.model.outputs(this.tf.tensor(x, [1, ...this.inputShape]));
      return this.probabilitiesOf(outputs);
    });
    const values = (await result.data()) as Float32Array;
    result.dispose();
    return values;
  }

  async predictPerturbed(
    x: Float32Array,
    directions: Float32Array,
    directionCount: number,
    multipliers: Float32Array,
    clip: boolean,
  ): Promise<Int32Array> {
    const d = this.dimension;
    const count = multipliers.length;
    checkPerturbed(x, directions, directionCount, count, d);
    const upload = directionCount === 1 ? null : this.upload(directions, directionCount);
    const shared = upload?.tensor ?? null;
    const classes = new Int32Array(count);
    try {
      await this.predictRows(x, directions, shared, multipliers, clip, classes);
    } finally {
      if (upload && !upload.kept) upload.tensor.dispose();
    }
    return classes;
  }

  private async predictRows(x: Float32Array, directions: Float32Array, shared: Tensor2D | null, multipliers: Float32Array, clip: boolean, classes: Int32Array): Promise<void> {
    const d = this.dimension;
    const count = multipliers.length;
    for (let start = 0; start < count; start += this.maxBatch) {
      const rows = Math.min(this.maxBatch, count - start);
      const result = this.tf.tidy(() => {
        const tf = this.tf;
        const image = tf.tensor2d(x, [1, d]);
        const steps = tf.tensor2d(multipliers.subarray(start, start + rows), [rows, 1]);
        const direction = shared === null ? tf.tensor2d(directions, [1, d]) : tf.slice(shared, [start, 0], [rows, d]);
        let perturbed: Tensor = tf.add(image, tf.mul(steps, direction));
        if (clip) perturbed = tf.clipByValue(perturbed, 0, 1);
        return this.classesOf(this.model.outputs(tf.reshape(perturbed, [rows, ...this.inputShape])));
      });
      classes.set(await this.readInt32(result), start);
    }
  }

  /** Not cached on the device: the splitting estimator passes fresh directions every call. */
  async logitsPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Float32Array> {
    const d = this.dimension;
    const count = multipliers.length;
    checkPerturbed(x, directions, directionCount, count, d);
    const logitCount = this.model.outputCount;
    const logits = new Float32Array(count * logitCount);
    for (let start = 0; start < count; start += this.maxBatch) {
      const rows = Math.min(this.maxBatch, count - start);
      const result = this.tf.tidy(() => {
        const tf = this.tf;
        const image = tf.tensor2d(x, [1, d]);
        const steps = tf.tensor2d(multipliers.subarray(start, start + rows), [rows, 1]);
        const direction = directionCount === 1 ? tf.tensor2d(directions, [1, d]) : tf.tensor2d(directions.subarray(start * d, (start + rows) * d), [rows, d]);
        let perturbed: Tensor = tf.add(image, tf.mul(steps, direction));
        if (clip) perturbed = tf.clipByValue(perturbed, 0, 1);
        return this.model.logits(tf.reshape(perturbed, [rows, ...this.inputShape]));
      });
      logits.set((await result.data()) as Float32Array, start * logitCount);
      result.dispose();
    }
    return logits;
  }

  async lossGradient(x: Float32Array, label: number): Promise<{ gradient: Float32Array; loss: LossKind } | null> {
    checkImage(x, this.dimension);
    checkLabel(label, this.classCount);
    const losses: LossKind[] = this.model.outputCount === 1 ? ['logit'] : ['cross-entropy', 'margin'];
    for (const loss of losses) {
      const result = this.tf.tidy(() => {
        const image = this.tf.tensor(x, [1, ...this.inputShape]);
        return this.tf.grad((input: Tensor) => this.lossOf(loss, this.model.logits(input), label))(image);
      });
      const gradient = (await result.data()) as Float32Array;
      result.dispose();
      if (gradient.some((value) => value !== 0)) return { gradient, loss };
    }
    return null;
  }

  async marginGradients(x: Float32Array, label: number, others: readonly number[]): Promise<MarginGradients> {
    checkImage(x, this.dimension);
    checkMarginClasses(label, others, this.classCount);
    const tf = this.tf;
    const marginsTensor = tf.tidy(() => {
      const logits = this.classLogits(this.model.logits(tf.tensor(x, [1, ...this.inputShape])));
      return tf.reshape(tf.sub(tf.slice(logits, [0, label], [1, 1]), logits), [this.classCount]);
    });
    const margins = (await marginsTensor.data()) as Float32Array;
    marginsTensor.dispose();

    const d = this.dimension;
    const gradients = new Float32Array(others.length * d);
    // One batched backward pass per chunk: row i is x, differentiated through its own margin only.
    for (let start = 0; start < others.length; start += this.maxBatch) {
      const rows = Math.min(this.maxBatch, others.length - start);
      const result = tf.tidy(() => {
        const images = tf.reshape(tf.tile(tf.tensor2d(x, [1, d]), [rows, 1]), [rows, ...this.inputShape]);
        const chosen = tf.tensor1d(others.slice(start, start + rows) as number[], 'int32');
        const weights = tf.sub(tf.oneHot(tf.fill([rows], label, 'int32') as Tensor1D, this.classCount), tf.oneHot(chosen, this.classCount));
        const sumOfMargins = (input: Tensor) => tf.sum(tf.mul(this.classLogits(this.model.logits(input)), weights));
        return tf.grad(sumOfMargins)(images);
      });
      gradients.set((await result.data()) as Float32Array, start * d);
      result.dispose();
    }
    return { margins, gradients, loss: this.model.outputCount === 1 ? 'logit' : 'margin' };
  }

  dispose(): void {
    for (const tensor of [...this.live]) this.release(tensor);
    this.model.dispose();
  }

  /**
   * The attack loss of one image's logits [1, k], whose gradient points where the loss grows:
   * - logit: a single logit z (sigmoid models): −z for label 1, +z for label 0;
   * - cross-entropy: logsumexp(z) − z_y;
   * - margin: max_{k≠y} z_k − z_y (the margin z_y − max_{k≠y} z_k, descended).
   */
  private lossOf(loss: LossKind, logits: Tensor2D, label: number): Tensor {
    const tf = this.tf;
    switch (loss) {
      case 'logit': {
        const z = tf.sum(logits);
        return label === 1 ? tf.neg(z) : z;
      }
      case 'cross-entropy':
        return tf.sum(tf.sub(tf.logSumExp(logits, 1), tf.slice(logits, [0, label], [1, 1])));
      case 'margin': {
        const isLabel = tf.cast(tf.oneHot(tf.tensor1d([label], 'int32'), logits.shape[1]), 'bool');
        const others = tf.where(isLabel, tf.fill(logits.shape, Number.NEGATIVE_INFINITY), logits);
        return tf.sub(tf.max(others), tf.sum(tf.slice(logits, [0, label], [1, 1])));
      }
    }
  }

  /** Logits per class, [n, classCount]: a single logit z is the two-class logits [0, z]. */
  private classLogits(logits: Tensor2D): Tensor2D {
    if (this.model.outputCount !== 1) return logits;
    return this.tf.concat([this.tf.zerosLike(logits), logits], 1) as Tensor2D;
  }

  /** Class per row: p > 0.5 for a sigmoid (z > 0 for a single logit), argmax for k outputs. */
  private classesOf(outputs: Tensor2D): Tensor1D {
    const tf = this.tf;
    const rows = outputs.shape[0];
    if (this.model.outputCount === 1) {
      const threshold = this.model.outputActivation === 'linear' ? 0 : 0.5;
      return tf.reshape(tf.cast(tf.greater(outputs, threshold), 'int32'), [rows]);
    }
    return tf.argMax(outputs, 1);
  }

  /** [1 − p, p] for a single output, the softmax of logits, or the model's own probabilities. */
  private probabilitiesOf(outputs: Tensor2D): Tensor1D {
    const tf = this.tf;
    if (this.model.outputCount === 1) {
      const p = tf.reshape(this.model.outputActivation === 'linear' ? tf.sigmoid(outputs) : outputs, [1]);
      return tf.concat([tf.sub(1, p), p]) as Tensor1D;
    }
    const probabilities = this.model.outputActivation === 'linear' ? tf.softmax(outputs) : outputs;
    return tf.reshape(probabilities, [this.model.outputCount]) as Tensor1D;
  }

  /**
   * The direction rows on the device: kept by identity while the kept ones fit the device cache
   * budget, else uploaded for this call only (large inputs: 2000 rows of 224×224×3 are 1.2 GB).
   */
  private upload(directions: Float32Array, rows: number): { tensor: Tensor2D; kept: boolean } {
    const cached = this.uploaded.get(directions);
    if (cached) return { tensor: cached, kept: true };
    const tensor = this.tf.tensor2d(directions, [rows, this.dimension]);
    if (this.keptBytes + directions.byteLength > this.deviceCacheBytes) return { tensor, kept: false };
    this.keptBytes += directions.byteLength;
    this.uploaded.set(directions, tensor);
    this.live.add(tensor);
    this.finalizer.register(directions, tensor);
    return { tensor, kept: true };
  }

  private release(tensor: Tensor2D): void {
    if (this.live.delete(tensor)) {
      this.keptBytes -= tensor.size * 4;
      tensor.dispose();
    }
  }

  private async readInt32(tensor: Tensor): Promise<Int32Array> {
    const values = await tensor.data();
    tensor.dispose();
    return Int32Array.from(values);
  }

}

/** ROBUSTNESS_LENS_DEVICE_CACHE_MB, default 768 MB. */
function defaultDeviceCacheBytes(): number {
  const mb = Number(process.env.ROBUSTNESS_LENS_DEVICE_CACHE_MB ?? 768);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 768) * 1024 * 1024;
}
