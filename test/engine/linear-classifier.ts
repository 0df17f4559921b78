import type { Classifier, MarginGradients } from '../../src/engine/classifier';
import type { LossKind } from '../../src/protocol/report';

export interface PerturbedCall {
  directions: Float32Array;
  directionCount: number;
  multipliers: Float32Array;
  clip: boolean;
}

/**
 * A two-class logistic model p = sigmoid(w·x + b) in plain JS: class 1 iff w·x + b > 0.
 * Its decision surface is the hyperplane w·x + b = 0, so every protocol quantity has a closed
 * form (PROTOCOL.md "The theory"). Records its calls so tests can check how it was driven.
 */
export class LinearClassifier implements Classifier {
  readonly inputShape: readonly number[];
  readonly dimension: number;
  readonly classCount = 2;
  readonly weights: Float64Array;
  readonly bias: number;
  readonly perturbedCalls: PerturbedCall[] = [];
  /** Rows evaluated by logitsPerturbed (its calls are not recorded: the splitting estimator makes thousands). */
  logitRows = 0;
  gradientCalls = 0;
  marginGradientCalls = 0;

  constructor(weights: ArrayLike<number>, bias: number, inputShape: readonly number[] = [weights.length]) {
    this.weights = Float64Array.from(weights);
    this.bias = bias;
    this.inputShape = inputShape;
    this.dimension = inputShape.reduce((product, size) => product * size, 1);
    if (this.dimension !== this.weights.length) throw new Error('inputShape does not match the weights');
  }

  /** w·x + b. */
  logit(x: ArrayLike<number>): number {
    let z = this.bias;
    for (let i = 0; i < this.dimension; i++) z += this.weights[i] * x[i];
    return z;
  }

  /** Distance of x to the decision hyperplane, |w·x + b| / ‖w‖₂. */
  distance(x: ArrayLike<number>): number {
    let squares = 0;
    for (const w of this.weights) squares += w * w;
    return Math.abs(this.logit(x)) / Math.sqrt(squares);
  }

  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    if (batch.length !== count * this.dimension) throw new Error('batch size mismatch');
    const classes = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      classes[i] = this.logit(batch.subarray(i * this.dimension, (i + 1) * this.dimension)) > 0 ? 1 : 0;
    }
    return classes;
  }

  async probabilities(x: Float32Array): Promise<Float32Array> {
    const p = 1 / (1 + Math.exp(-this.logit(x)));
    return Float32Array.from([1 - p, p]);
  }

  async predictPerturbed(
    x: Float32Array,
    directions: Float32Array,
    directionCount: number,
    multipliers: Float32Array,
    clip: boolean,
  ): Promise<Int32Array> {
    const d = this.dimension;
    const rows = multipliers.length;
    if (directionCount !== 1 && directionCount !== rows) throw new Error('directionCount must be 1 or multipliers.length');
    if (directions.length !== directionCount * d) throw new Error('directions size mismatch');
    this.perturbedCalls.push({ directions, directionCount, multipliers, clip });
    const classes = new Int32Array(rows);
    for (let row = 0; row < rows; row++) {
      const offset = directionCount === 1 ? 0 : row * d;
      let z = this.bias;
      for (let i = 0; i < d; i++) {
        let value = x[i] + multipliers[row] * directions[offset + i];
        if (clip) value = Math.min(1, Math.max(0, value));
        z += this.weights[i] * value;
      }
      classes[row] = z > 0 ? 1 : 0;
    }
    return classes;
  }

  /** The single logit w·(x + s·direction) + b per row. */
  async logitsPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Float32Array> {
    const d = this.dimension;
    const rows = multipliers.length;
    if (directionCount !== 1 && directionCount !== rows) throw new Error('directionCount must be 1 or multipliers.length');
    if (directions.length !== directionCount * d) throw new Error('directions size mismatch');
    this.logitRows += rows;
    const logits = new Float32Array(rows);
    for (let row = 0; row < rows; row++) {
      const offset = directionCount === 1 ? 0 : row * d;
      let z = this.bias;
      for (let i = 0; i < d; i++) {
        let value = x[i] + multipliers[row] * directions[offset + i];
        if (clip) value = Math.min(1, Math.max(0, value));
        z += this.weights[i] * value;
      }
      logits[row] = z;
    }
    return logits;
  }

  /** Through the logit: −w pushes class 1 towards 0, +w pushes class 0 towards 1; null for w = 0. */
  async lossGradient(_x: Float32Array, label: number): Promise<{ gradient: Float32Array; loss: LossKind } | null> {
    this.gradientCalls++;
    if (this.weights.every((w) => w === 0)) return null;
    const sign = label === 1 ? -1 : 1;
    return { gradient: Float32Array.from(this.weights, (w) => sign * w), loss: 'logit' };
  }

  /** The logits [0, z]: the margin against the other class is z signed by the label, its gradient ±w. */
  async marginGradients(x: Float32Array, label: number, others: readonly number[]): Promise<MarginGradients> {
    this.marginGradientCalls++;
    const sign = label === 1 ? 1 : -1;
    const margins = new Float32Array(2);
    margins[1 - label] = sign * this.logit(x);
    const gradients = new Float32Array(others.length * this.dimension);
    others.forEach((other, row) => {
      if (other !== 1 - label) throw new Error(`class ${other} is not the other class of label ${label}`);
      gradients.set(Float32Array.from(this.weights, (w) => sign * w), row * this.dimension);
    });
    return { margins, gradients, loss: 'logit' };
  }

  dispose(): void {}
}

/**
 * A linear classifier with seeded normal weights and an image x in [0.2, 0.8]^d on the `label`
 * side of the hyperplane at exactly `distance` from it.
 */
export function linearProblem(
  dimension: number,
  distance: number,
  label: 0 | 1,
  random: { next(): number; normal(): number },
  weightNorm = 1,
): { classifier: LinearClassifier; x: Float32Array } {
  const raw = Array.from({ length: dimension }, () => random.normal());
  const rawNorm = Math.sqrt(raw.reduce((sum, w) => sum + w * w, 0));
  const weights = raw.map((w) => (w / rawNorm) * weightNorm);
  const x = Float32Array.from({ length: dimension }, () => 0.2 + 0.6 * random.next());
  let dot = 0;
  for (let i = 0; i < dimension; i++) dot += weights[i] * x[i];
  const targetLogit = (label === 1 ? 1 : -1) * distance * weightNorm;
  return { classifier: new LinearClassifier(weights, targetLogit - dot, [dimension]), x };
}
