import type { LossKind } from '../protocol/report';

/** What Classifier.marginGradients returns. */
export interface MarginGradients {
  /** z_label − z_k for every class k (length classCount). */
  margins: Float32Array;
  /** others.length rows of d values: ∇ₓ(z_label − z_others[i]). */
  gradients: Float32Array;
  /** 'logit' for a single-logit (sigmoid) model, whose margin is its logit signed by the label; else 'margin'. */
  loss: Extract<LossKind, 'logit' | 'margin'>;
}

/**
 * What the engine needs from a model. Images are flat Float32Arrays in pixel space [0,1],
 * row-major H·W·C as the model sees them (PROTOCOL.md, "Spaces and norms").
 * Implemented over TF.js in src/worker/; tests implement it in plain JS (e.g. a linear model).
 */
export interface Classifier {
  /** Model input shape without the batch axis, e.g. [28, 28, 3]. */
  readonly inputShape: readonly number[];
  /** d = product of inputShape. */
  readonly dimension: number;
  /** Number of classes: 2 for a single sigmoid output, k for k outputs. */
  readonly classCount: number;

  /** Predicted class of each of `count` images packed in `batch` (count·d values). */
  predict(batch: Float32Array, count: number): Promise<Int32Array>;

  /** Class probabilities of one image (length classCount; [1-p, p] for a sigmoid). */
  probabilities(x: Float32Array): Promise<Float32Array>;

  /**
   * Predicted class of x + multipliers[i]·directions[i] for i < multipliers.length.
   * When directionCount is 1 the single direction serves every row (line search); otherwise
   * directions holds multipliers.length rows of d values (random perturbations). Implementations
   * may cache `directions` by identity, so callers must not mutate an array once passed.
   * With clip, the perturbed images are clipped to [0,1] before the forward pass.
   */
  predictPerturbed(
    x: Float32Array,
    directions: Float32Array,
    directionCount: number,
    multipliers: Float32Array,
    clip: boolean,
  ): Promise<Int32Array>;

  /**
   * Gradient of the attack loss with respect to x for true label `label`, computed where float32
   * keeps it alive (PROTOCOL.md, attack step 1): through the logit for a sigmoid, cross-entropy on
   * the logits for k classes, then the logit margin when cross-entropy underflows.
   * Returns the first non-zero gradient with the loss that produced it, or null when all vanish.
   * Must equal the cpu backend's gradient whatever backend runs it (max-pool ties go to the first maximum).
   */
  lossGradient(x: Float32Array, label: number): Promise<{ gradient: Float32Array; loss: LossKind } | null>;

  /**
   * Logit margins of x and their gradients, for minimal-perturbation attacks (deepfool).
   * margins[k] = z_label − z_k for every class k (margins[label] = 0), positive while x keeps its
   * label against k; a single-logit (sigmoid) model counts as the logits [0, z]. gradients holds
   * one row of d values per entry of `others`: ∇ₓ(z_label − z_others[i]); `others` may be empty
   * (margins only, one forward pass).
   * Optional: an attack that needs it reports a model without it as not attackable.
   */
  marginGradients?(x: Float32Array, label: number, others: readonly number[]): Promise<MarginGradients>;

  /** Logits (outputs before sigmoid/softmax) of x + multipliers[i]·directions[i], same layout rules as predictPerturbed; multipliers.length × logitCount values, logitCount = 1 for a single-logit model, else classCount. */
  logitsPerturbed?(x: Float32Array, directions: Float32Array, directionCount: number, multipliers: Float32Array, clip: boolean): Promise<Float32Array>;

  /** Frees what the classifier holds (tensors, caches). */
  dispose(): void;
}
