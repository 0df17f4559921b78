import type { Classifier, MarginGradients } from '../../src/engine/classifier';
import type { LossKind } from '../../src/protocol/report';

/**
 * A two-layer network z = W₂·tanh(W₁x + b₁) + b₂ in plain JS (float64), with analytic input
 * gradients: a curved decision surface where fgm-line and deepfool part ways. One output is a
 * sigmoid model (class 1 iff z > 0); k ≥ 2 outputs are softmax logits (argmax).
 */
export class TanhNetworkClassifier implements Classifier {
  readonly inputShape: readonly number[];
  readonly dimension: number;
  readonly classCount: number;

  /**
   * @param hidden W₁ as rows of d weights, one per hidden unit.
   * @param output W₂ as rows of hidden-size weights, one per output.
   */
  constructor(
    private readonly hidden: number[][],
    private readonly hiddenBias: number[],
    private readonly output: number[][],
    private readonly outputBias: number[],
  ) {
    this.dimension = hidden[0].length;
    this.inputShape = [this.dimension];
    this.classCount = output.length === 1 ? 2 : output.length;
  }

  /** Seeded weights: `hiddenUnits` tanh units over d inputs, `outputs` logits. */
  static random(dimension: number, hiddenUnits: number, outputs: number, random: { normal(): number }, scale = 2): TanhNetworkClassifier {
    const matrix = (rows: number, columns: number, std: number) => Array.from({ length: rows }, () => Array.from({ length: columns }, () => std * random.normal()));
    return new TanhNetworkClassifier(
      matrix(hiddenUnits, dimension, scale / Math.sqrt(dimension)),
      Array.from({ length: hiddenUnits }, () => random.normal()),
      matrix(outputs, hiddenUnits, scale / Math.sqrt(hiddenUnits)),
      Array.from({ length: outputs }, () => 0.3 * random.normal()),
    );
  }

  /** Hidden activations h and logits z of one image. */
  forward(x: ArrayLike<number>): { h: number[]; z: number[] } {
    const h = this.hidden.map((row, u) => Math.tanh(row.reduce((sum, w, i) => sum + w * x[i], this.hiddenBias[u])));
    const z = this.output.map((row, k) => row.reduce((sum, w, u) => sum + w * h[u], this.outputBias[k]));
    return { h, z };
  }

  classOf(x: ArrayLike<number>): number {
    const { z } = this.forward(x);
    if (z.length === 1) return z[0] > 0 ? 1 : 0;
    return z.indexOf(Math.max(...z));
  }

  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    const d = this.dimension;
    return Int32Array.from({ length: count }, (_, i) => this.classOf(batch.subarray(i * d, (i + 1) * d)));
  }

  async probabilities(x: Float32Array): Promise<Float32Array> {
    const { z } = this.forward(x);
    if (z.length === 1) {
      const p = 1 / (1 + Math.exp(-z[0]));
      return Float32Array.of(1 - p, p);
    }
    return Float32Array.from(softmax(z));
  }

  async predictPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Int32Array> {
    const d = this.dimension;
    return Int32Array.from(multipliers, (scale, row) => {
      const offset = directionCount === 1 ? 0 : row * d;
      const perturbed = Array.from(x, (value, i) => {
        const moved = value + scale * directions[offset + i];
        return clip ? Math.min(1, Math.max(0, moved)) : moved;
      });
      return this.classOf(perturbed);
    });
  }

  async logitsPerturbed(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Float32Array> {
    const d = this.dimension;
    const logitCount = this.output.length;
    const logits = new Float32Array(multipliers.length * logitCount);
    multipliers.forEach((scale, row) => {
      const offset = directionCount === 1 ? 0 : row * d;
      const perturbed = Array.from(x, (value, i) => {
        const moved = value + scale * directions[offset + i];
        return clip ? Math.min(1, Math.max(0, moved)) : moved;
      });
      logits.set(this.forward(perturbed).z, row * logitCount);
    });
    return logits;
  }

  /** Through the logit for one output, cross-entropy on the logits for k (PROTOCOL.md attack step 1). */
  async lossGradient(x: Float32Array, label: number): Promise<{ gradient: Float32Array; loss: LossKind } | null> {
    const { h, z } = this.forward(x);
    let outputWeights: number[];
    let loss: LossKind;
    if (z.length === 1) {
      outputWeights = [label === 1 ? -1 : 1];
      loss = 'logit';
    } else {
      outputWeights = softmax(z).map((p, k) => p - (k === label ? 1 : 0));
      loss = 'cross-entropy';
    }
    const gradient = this.inputGradient(h, outputWeights);
    return gradient.every((value) => value === 0) ? null : { gradient, loss };
  }

  async marginGradients(x: Float32Array, label: number, others: readonly number[]): Promise<MarginGradients> {
    const { h, z } = this.forward(x);
    const logits = z.length === 1 ? [0, z[0]] : z;
    const margins = Float32Array.from(logits, (zk) => logits[label] - zk);
    const d = this.dimension;
    const gradients = new Float32Array(others.length * d);
    others.forEach((other, row) => {
      // ∇(z_label − z_other) through the logits [0, z] or z.
      const weights = logits.map((_, k) => (k === label ? 1 : 0) - (k === other ? 1 : 0));
      gradients.set(this.inputGradient(h, z.length === 1 ? [weights[1]] : weights), row * d);
    });
    return { margins, gradients, loss: z.length === 1 ? 'logit' : 'margin' };
  }

  /** ∇ₓ Σ_k c_k·z_k = W₁ᵀ·((1 − h²) ⊙ W₂ᵀc). */
  private inputGradient(h: number[], outputWeights: number[]): Float32Array {
    const perUnit = h.map((hu, u) => (1 - hu * hu) * outputWeights.reduce((sum, c, k) => sum + c * this.output[k][u], 0));
    return Float32Array.from({ length: this.dimension }, (_, i) => perUnit.reduce((sum, g, u) => sum + g * this.hidden[u][i], 0));
  }

  dispose(): void {}
}

function softmax(z: number[]): number[] {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}
