/**
 * The report format fixed by ../shared/CONTRACT.md. Other tools read these files:
 * add fields freely, never rename or drop one.
 */
import type { RunSettings } from './settings';

/** The TF.js backend a worker loaded; 'onnxruntime' when the model is an ONNX file and no TF.js backend was needed. */
export type BackendName = TfBackendName | 'onnxruntime';
/** The TF.js backends. */
export type TfBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
/** --backend: a TF.js backend, or an ONNX Runtime GPU execution provider (`cuda`, `webgpu`) for what ONNX Runtime runs. */
export type BackendChoice = 'auto' | TfBackendName | 'cuda' | 'webgpu';
export const backendChoices: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu', 'cuda', 'webgpu'];
/** What runs the forward passes: ONNX Runtime's CPU kernels, or the TF.js backend itself. */
export type ForwardName = 'onnxruntime' | 'tfjs';
export type ForwardChoice = 'auto' | ForwardName;
export const forwardChoices: readonly ForwardChoice[] = ['auto', 'onnxruntime', 'tfjs'];
/** ONNX Runtime's execution providers the tool uses: its CPU kernels, CUDA (where installed), WebGPU. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

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

/**
 * The report's `config`: the run's settings (RunSettings, src/protocol/settings.ts) as they are
 * recorded, and what the workers found. Names and types are the file's (CONTRACT.md): `attack` is
 * any string a report may hold, `preprocess` is RunSettings' `preprocessing`.
 */
export interface RunConfig extends Pick<RunSettings, 'scales' | 'maxEps' | 'alphas' | 'samples' | 'seed' | 'clip'> {
  model: string;
  data: string;
  attack: string;
  backend: BackendName;
  /** Added: forward passes per rare-event estimate (--rare-event-budget); null or absent when --rare-event is off. */
  rareEventBudget?: number | null;
  /** Added: what ran the forward passes. */
  forward?: ForwardName;
  /** Added: what computed the input gradients (ONNX Runtime's gradient graph, or TF.js on `backend`). */
  gradient?: ForwardName;
  /** Added: the ONNX Runtime execution provider, when ONNX Runtime ran the model. */
  executionProvider?: ExecutionProvider;
  /** Added: the model's file format ('layers-model', 'graph-model', 'onnx', …). */
  format?: string;
  /** Added: the preprocessing folded into the model (--preprocess, --mean, --std). */
  preprocess?: RunSettings['preprocessing'];
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
  /**
   * Added: the dataset's source format: 'folder' (<class>/<image>), 'csv' (a folder with a file,label
   * CSV), 'idx', 'cifar', 'npy' or 'npz'. For the array formats an image's `file` is `<file>#<record>`.
   */
  dataFormat?: string;
  /** Added: --data-labels, the labels file of an array dataset; null when its labels came from where its format keeps them. */
  dataLabels?: string | null;
  /** Added: --classes as given (names or indices of the data's classes); null for every class. `classes` holds the names chosen, in output order. */
  classSubset?: string[] | null;
  limit?: number | null;
  sample?: number | null;
  workers?: number;
  /** Set when images were resized to the model's input size: e.g. "bilinear from 32x32 to 28x28". */
  resized?: string[];
  /** Files under --data that are not decodable images, relative with '/' separators. */
  skipped?: string[];
  /** Added: why each entry of `skipped` was skipped (and folders or links the dataset walker did not follow), sorted by file. */
  skippedReasons?: FileReason[];
  /**
   * Added: images that were read but gave no valid result, with the reason: non-finite model outputs,
   * or two workers died analysing it. Not in `images`, never counted in `summary`; a resumed run tries them again.
   */
  failed?: FileReason[];
  shard?: { index: number; count: number } | null;
}

/** A file of the dataset (relative, '/' separators) and why it has no result. */
export interface FileReason {
  file: string;
  reason: string;
}

export interface AdversarialResult extends Norms {
  eps: number;
  loss: LossKind;
  /** Added: the attack whose perturbation this is (with `best`, the one that found the smallest). */
  attack?: string;
  /** Added, with `best` only: ε* of every attack it ran, by name; null where one found no flip. */
  attacks?: Record<string, number | null>;
  /** Added, with `best --random-per-attack`: the random stage at each attack's ε* (as `random`), for the attacks that flipped. */
  randomByAttack?: Record<string, RandomResult[]>;
}

export interface RandomResult {
  alpha: number;
  flips: number;
  samples: number;
  /** Norms of the smallest (by L2) flipping random perturbation, or null when none flipped. */
  minFlip: Norms | null;
  /** Added (--rare-event): the flip probability at this α estimated far below 1/samples. */
  rareEvent?: RareEventResult;
}

/**
 * A rare-event estimate of one image's random-flip probability at one α (docs/protocol.md,
 * "Rare-event estimates"). Probabilities below the double range read 0: the log10 fields keep them.
 */
export interface RareEventResult {
  /** 'ams-pcn': adaptive multilevel splitting on the logit margin with pCN moves in the ball. */
  method: string;
  /** False when the forward-pass budget ran out (or the scores stalled) before the flip level: only `interval[1]` is then known, an upper bound. */
  reached: boolean;
  /** The estimate p̂; null when not reached. */
  probability: number | null;
  log10Probability: number | null;
  /** Two-sided interval at `confidence` ([0, bound] when not reached). */
  interval: [number, number];
  /** log10 of the interval; the lower end null when it is 0. */
  log10Interval: [number | null, number];
  confidence: number;
  /** 1/p̂: random samples needed to see one flip; null when not reached or beyond the double range. */
  samplesPerFlip: number | null;
  log10SamplesPerFlip: number | null;
  /** Forward passes the estimate used. */
  forwardPasses: number;
  /** Particles at the start (halved when the budget ran short). */
  particles: number;
  levels: number;
  /** Why an estimate that did not reach stopped. */
  stopped?: 'budget' | 'stalled';
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
  /** Added (--rare-event): the images' rare-event estimates at this α. */
  rareEvent?: RareEventSummary;
}

export interface RareEventSummary {
  /** Images with an estimate that reached the flip level. */
  estimates: number;
  /** Images whose budget ran out first (only an upper bound). */
  upperBounds: number;
  /**
   * Median over every image of log10 p̂, an upper bound counting as its bound (it lies at or
   * below it); null when no image has an estimate. `medianIsUpperBound`: the median falls on a bound.
   */
  medianLog10Probability: number | null;
  medianProbability: number | null;
  medianIsUpperBound: boolean;
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
  /** When this session started (a resumed run's last part). */
  startedAt?: string;
  /** Added: when the run's first session over this output folder started (equals startedAt unless resumed). */
  firstStartedAt?: string;
  finishedAt?: string;
  /** timings.activeSeconds (added): wall seconds over all of the run's sessions; wallSeconds is this session's. */
  timings?: Record<string, number>;
  /** Universality of the adversarial perturbations (the paper's Theorem 8); absent in reports written before it existed. */
  universality?: UniversalityReport;
}

/**
 * compare.json (robustness-lens compare): two runs side by side. Its own file, read by other
 * tools like report.json: add fields, never rename or drop one.
 */
export interface CompareRun {
  /** The report.json it was read from. */
  source: string;
  /** A short name: the run folder's name. */
  name: string;
  model: string;
  data: string;
  attack: string;
  summary: Summary;
  /** ε* (L2) of every susceptible image, in report order, for the violins. */
  eps: number[];
}

/** One measure of Table 1 in both runs; `delta` is b − a. */
export interface CompareMeasure {
  key: string;
  label: string;
  a: number;
  b: number;
  delta: number;
}

export interface CompareImage {
  file: string;
  epsA: number;
  epsB: number;
  /** epsB / epsA. */
  ratio: number;
}

export interface CompareReport {
  tool: { name: 'robustness-lens'; version: string };
  kind: 'compare';
  a: CompareRun;
  b: CompareRun;
  measures: CompareMeasure[];
  /** Images (by file) analysed in both runs, and how many of them are susceptible in each / both. */
  common: { images: number; susceptibleA: number; susceptibleB: number; susceptibleBoth: number };
  /** Over images susceptible in both: ε*_B / ε*_A. */
  ratio: { median: number; q1: number; q3: number; geometricMean: number; larger: number; smaller: number; equal: number };
  images: CompareImage[];
}
