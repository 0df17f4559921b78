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
  /**
   * Added: the options `attack` reads, resolved (e.g. ddn: steps, ddnGamma, ddnInitEps;
   * fgm-line: refine). Absent in reports from before they existed: fgm-line without refine.
   */
  attackOptions?: Record<string, number | boolean>;
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
  /** Added: the attack whose perturbation this is (with `best`, the one that found the smallest). */
  attack?: string;
  /** Added, with `best` only: ε* of every attack it ran, by name; null where one found no flip. */
  attacks?: Record<string, number | null>;
  /**
   * Added: the dataset's source format: 'folder' (<class>/<image>), 'csv' (a folder with a file,label
   * CSV), 'idx', 'cifar', 'npy' or 'npz'. For the array formats an image's `file` is `<file>#<record>`.
   */
  dataFormat?: string;
  /** Added: --data-labels, the labels file of an array dataset; null when its labels came from where its format keeps them. */
  dataLabels?: string | null;
  /** Added: --classes as given (names or indices of the data's classes); null for every class. `classes` holds the names chosen, in output order. */
  classSubset?: string[] | null;
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

/**
 * Universality (the paper's Theorem 8), one source image: its adversarial perturbation ε*·v added
 * to the other correctly classified images of its class (the targets), and, as the baseline, a
 * random direction of the same norm ε* added to the same targets.
 */
export interface UniversalitySource {
  file: string;
  label: number;
  eps: number;
  /** Targets tried (the class's sampled targets, without the source itself). */
  targets: number;
  /** Targets whose prediction x_j + ε*·v leaves the label. */
  flips: number;
  /** Targets whose prediction x_j + ε*·u leaves the label, u a random unit direction. */
  baselineFlips: number;
}

/** Universality of one class: every susceptible image of the class as a source. */
export interface UniversalityClass {
  label: number;
  name: string;
  /** Susceptible images of the class (each one a source). */
  sources: number;
  /** Correctly classified images of the class, and how many of them were sampled as targets. */
  correct: number;
  targets: number;
  /** Source-target pairs tried (a source is never its own target). */
  pairs: number;
  flips: number;
  /** flips / pairs: the chance that one image's adversarial perturbation flips another of its class. */
  rate: number;
  baselineFlips: number;
  baselineRate: number;
  /** Over the class's sources: quartiles of each source's flip rate (flips / targets). */
  sourceRates: { min: number; q1: number; median: number; q3: number; max: number };
}

export interface UniversalityReport {
  /** 'measured', or 'skipped' with a reason (too costly by default, cancelled run, shard). */
  status: 'measured' | 'skipped';
  reason?: string;
  /** The --universality-targets setting: most targets sampled per class. */
  targetsPerClass: number;
  /** Whether --universality asked for it (else it ran because it was cheap). */
  forced: boolean;
  /** Forward passes of the measure over those of the per-image protocol (estimated before running it). */
  costFraction: number;
  /** Pooled over classes. */
  pairs: number;
  flips: number;
  rate: number;
  baselineFlips: number;
  baselineRate: number;
  classes: UniversalityClass[];
  /** Per source image, in index order. */
  sources: UniversalitySource[];
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
  /** Universality of the adversarial perturbations (the paper's Theorem 8); absent in reports written before it existed. */
  universality?: UniversalityReport;
}
