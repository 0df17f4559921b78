/**
 * The report format fixed by ../shared/CONTRACT.md. Other tools read these files:
 * add fields freely, never rename or drop one.
 */

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;
/** What runs the forward passes: ONNX Runtime's CPU kernels, or the TF.js backend itself. */
export type ForwardName = 'onnxruntime' | 'tfjs';
export type ForwardChoice = 'auto' | ForwardName;
export const forwardChoices: readonly ForwardChoice[] = ['auto', 'onnxruntime', 'tfjs'];

/** What produced the attack direction (PROTOCOL.md, the paper's attack, step 1). */
export type LossKind = 'logit' | 'cross-entropy' | 'margin';

export interface Norms {
  l2: number;
  l1: number;
  linf: number;
}

export interface NormStats {
  mean: number;
  std: number;
  median: number;
}

export interface RunConfig {
  model: string;
  data: string;
  attack: string;
  scales: number;
  maxEps: number;
  alphas: number[];
  samples: number;
  seed: number;
  clip: boolean;
  backend: BackendName;
  /** Added: what ran the forward passes (gradients always run on `backend`). */
  forward?: ForwardName;
  inputShape: number[];
  dimension: number;
  classes: string[];
  /** Added fields (allowed by the contract). */
  labels?: string | null;
  limit?: number | null;
  sample?: number | null;
  workers?: number;
  /** Set when images were resized to the model's input size: e.g. "bilinear from 32x32 to 28x28". */
  resized?: string[];
  /** Files under --data that are not decodable images, relative with '/' separators. */
  skipped?: string[];
  shard?: { index: number; count: number } | null;
}

export interface AdversarialResult extends Norms {
  eps: number;
  loss: LossKind;
}

export interface RandomResult {
  alpha: number;
  flips: number;
  samples: number;
  /** Norms of the smallest (by L2) flipping random perturbation, or null when none flipped. */
  minFlip: Norms | null;
}

export interface ImageRecord {
  file: string;
  label: number;
  predicted: number;
  correct: boolean;
  adversarial: AdversarialResult | null;
  random: RandomResult[];
  /** Added fields. Why `adversarial` is null for a correct image (e.g. "zero gradient", "no flip within maxEps"). */
  reason?: string;
  /** Model outputs (probabilities) on the clean image. */
  probabilities?: number[];
  /** Position of the image in sorted path order over the whole dataset. */
  index?: number;
  /** Set by the worker when it resized this image to the model's input, e.g. "bilinear from 32x32 to 28x28" (collected into config.resized). */
  resized?: string;
}

export interface RandomSummary {
  alpha: number;
  susceptible: number;
  rate: number;
  flips: number;
  trials: number;
}

export interface Summary {
  images: number;
  correct: number;
  accuracy: number;
  adversarial: {
    susceptible: number;
    rate: number;
    l2: NormStats;
    l1: NormStats;
    linf: NormStats;
  };
  random: RandomSummary[];
}

export interface Report {
  tool: { name: 'robustness-lens'; version: string };
  config: RunConfig;
  summary: Summary;
  images: ImageRecord[];
  /** Added fields. */
  status?: 'complete' | 'cancelled' | 'running';
  startedAt?: string;
  finishedAt?: string;
  timings?: Record<string, number>;
}
