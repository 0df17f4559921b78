/**
 * Every message that crosses a process or frame boundary, declared once: who sends it and why.
 *  - Host → Worker / Worker → Host: the run host (src/run/, used by the CLI and the extension)
 *    and a compute worker process (src/worker/), over child_process IPC.
 *  - Extension → Webview / Webview → Extension: the report panel (src/extension/) and its page
 *    (webview/), over postMessage. The standalone report.html plays the extension's part itself.
 */
import type { Preprocessing } from './preprocessing';
import type { BackendChoice, BackendName, CompareReport, ExecutionProvider, ForwardChoice, ForwardName, ImageRecord, LossKind, Report } from './report';
import type { TheoryParameters, TheoryRow } from '../engine/two-balls';
import type { RunSettings } from './settings';

/**
 * The settings the workers' measurement reads, shared by every image of a run: a view of RunSettings
 * (src/protocol/settings.ts), checked on `init` by the same rules as the CLI's flags.
 */
export interface EngineSettings extends Pick<RunSettings, 'attack' | 'scales' | 'maxEps' | 'alphas' | 'samples' | 'seed' | 'clip'>, Partial<Pick<RunSettings, 'attackOptions'>> {
  /** Added (--rare-event): forward passes per image and α for the rare-event estimates; absent: off. */
  rareEventBudget?: RunSettings['rareEventBudget'];
}

/** One image to analyse: where it is and what it should be. */
export interface ImageTask {
  /** Position in sorted path order over the whole dataset. */
  index: number;
  /** Relative to --data, '/' separators. */
  file: string;
  /** Absolute path on disk (the image file, or the array file holding `source`). */
  path: string;
  label: number;
  /** Added: set when the image is one record of an array file (IDX, CIFAR, NumPy) instead of an image file. */
  source?: ArrayRecordSource;
}

/**
 * Where one image's values lie in an array file, worked out by the host when it lists the dataset
 * so that the worker reads them without knowing the file's format.
 */
export interface ArrayRecordSource {
  /** The dataset format that listed it ('idx', 'cifar', 'npy', 'npz', 'hdf5'), for messages. */
  format: string;
  /** Absolute path of the file. */
  path: string;
  /** Position of the record in its array. */
  index: number;
  /**
   * How the array's bytes are stored from byte `start` of the file: as they are, a gzip stream
   * (.gz) or a raw deflate stream (a compressed zip member, as in an .npz). Added: 'hdf5', a
   * dataset of an HDF5 file (`dataset`), whose record `index` is read as a hyperslab along its
   * first axis (`start` and `offset` are 0).
   */
  encoding: 'plain' | 'gzip' | 'deflate' | 'hdf5';
  /** Added: the HDF5 path of the images dataset, for encoding 'hdf5'. */
  dataset?: string;
  start: number;
  /** Byte offset of the record in the decoded stream. */
  offset: number;
  /** Element type; integers are scaled by their maximum to [0, 1], floats are taken as pixel values in [0, 1]. */
  dtype: 'uint8' | 'uint16' | 'float32' | 'float64';
  littleEndian: boolean;
  /** 'hwc': interleaved channels (NumPy, Keras); 'chw': one plane per channel (CIFAR binaries, PyTorch). */
  layout: 'hwc' | 'chw';
  height: number;
  width: number;
  channels: number;
}

/** What the worker learned about the model once loaded. */
export interface ModelInfo {
  backend: BackendName;
  /** What runs the forward passes. */
  forward: ForwardName;
  /** What computes the input gradients. */
  gradient?: ForwardName;
  /** ONNX Runtime's execution provider, when it runs the model. */
  executionProvider?: ExecutionProvider | null;

  inputShape: number[];
  dimension: number;
  classCount: number;
  /** 'sigmoid' | 'softmax' | 'linear' …: how the model's output was read. */
  outputActivation: string;
  format: string;
}

/** An image drawn for the panel's detail view: RGB(A) bytes, base64. */
export interface PictureData {
  width: number;
  height: number;
  channels: number;
  base64: string;
}

/** The paper's Figures 11–12 for one image: original, adversarial, perturbation, random non-flip. */
export interface ImageDetail {
  file: string;
  original: PictureData;
  adversarial: PictureData | null;
  /** The adversarial perturbation, amplified to fill [0,1] around 0.5; `amplification` is the factor. */
  perturbation: PictureData | null;
  amplification: number | null;
  /** A random perturbation of the same L2 norm as the adversarial one that does not flip the prediction. */
  randomPerturbed: PictureData | null;
  outputs: {
    original: number[];
    adversarial: number[] | null;
    randomPerturbed: number[] | null;
  };
  loss: LossKind | null;
  note?: string;
}

export type Stage = 'decode' | 'gradient' | 'line-search' | 'random';

/**
 * One batch of the universality measure (the paper's Theorem 8): some susceptible images of one
 * class (with their ε* from the per-image protocol) as sources, the class's sampled targets.
 * The worker reruns the attack on each source to get its direction back (directions are never stored).
 */
export interface UniversalityWork {
  label: number;
  sources: { task: ImageTask; eps: number }[];
  targets: ImageTask[];
}

/** Per source of a `UniversalityWork`, in its order. `note` says why a source could not be used (then `targets` is 0). */
export interface UniversalityPart {
  sources: { index: number; targets: number; flips: number; baselineFlips: number; note?: string }[];
}

// ---------------------------------------------------------------------------------------------
// Host → Worker
// ---------------------------------------------------------------------------------------------
export type HostToWorker =
  /** First message: load the model on a backend and build the shared random set. Answered by `ready` or `error`. */
  | {
      type: 'init';
      modelPath: string;
      backend: BackendChoice;
      forward: ForwardChoice;
      /** CPU threads of the worker's ONNX Runtime session: the cores the pool leaves to each worker (default 1). */
      forwardThreads?: number;
      /** What the model expects of [0, 1] RGB pixels (--preprocess); default 'unit'. */
      preprocessing?: Preprocessing;
      settings: EngineSettings;
      classNames: string[];
    }
  /** Analyse these images; one `result` comes back per image, then `idle`. */
  | { type: 'analyse'; tasks: ImageTask[] }
  /** Draw the detail view of one analysed image (panel / standalone report). Answered by `detail`. */
  | { type: 'detail'; requestId: number; task: ImageTask; record: ImageRecord }
  /** Measure one batch of universality (after the per-image protocol). Answered by `universality`. */
  | { type: 'universality'; requestId: number; work: UniversalityWork }
  /**
   * Added: simulate the paper's two-balls or two-half-balls model for the report panel's Theory
   * view (src/extension/theory-service.ts), off the extension's and the page's threads. Needs no
   * `init` (no model). Answered by `theory`, or by `error` (not fatal) with the `requestId`.
   */
  | { type: 'theory'; requestId: number; parameters: TheoryParameters }
  /** Stop after the current forward pass and exit; finished results were already sent. */
  | { type: 'cancel' };

// ---------------------------------------------------------------------------------------------
// Worker → Host
// ---------------------------------------------------------------------------------------------
export type WorkerToHost =
  /** The model loaded: what it is and which backend runs it. */
  | { type: 'ready'; model: ModelInfo }
  /** Where the worker is within an image, so the host can show a stage and an ETA. */
  | { type: 'progress'; index: number; stage: Stage }
  /** One image finished; `timings` are milliseconds per stage. */
  | { type: 'result'; record: ImageRecord; timings: Partial<Record<Stage, number>> }
  /** All tasks of the last `analyse` are done. */
  | { type: 'idle' }
  /** Answer to a `detail` request. */
  | { type: 'detail'; requestId: number; detail: ImageDetail }
  /** Answer to a `universality` request (failures of single images are notes inside it, not errors). */
  | { type: 'universality'; requestId: number; part: UniversalityPart }
  /** Added: answer to a `theory` request, one row per dimension asked for. */
  | { type: 'theory'; requestId: number; rows: TheoryRow[] }
  /**
   * Something failed. `fatal` (model unreadable, backend failed) ends the worker; otherwise it
   * concerns the image `index` (e.g. undecodable) and the worker goes on.
   */
  | {
      type: 'error';
      message: string;
      detail?: string;
      fatal: boolean;
      index?: number;
      /** Set when the failure answers a `detail` request (which then gets no `detail` reply). */
      requestId?: number;
      /**
       * Added: the image `index` was read but its analysis gave no valid result (non-finite model
       * outputs): the host records it as failed, never as a result, rather than as skipped.
       */
      failed?: boolean;
    };

// ---------------------------------------------------------------------------------------------
// Extension → Webview
// ---------------------------------------------------------------------------------------------
export type ExtensionToWebview =
  /** The whole report (on open, on reload, and when a run ends). */
  | {
      type: 'report';
      report: Report;
      /**
       * Where the report lives on disk. The page keeps this message's `source` in its webview state
       * (`acquireVsCodeApi().setState({ source, … })`) so the extension can reopen the panel after a
       * window reload (WebviewPanelSerializer); the page need not read it otherwise.
       */
      source?: ReportSource;
    }
  /** Show two runs side by side instead of a report (the Runs view's Compare). */
  | { type: 'compare'; compare: CompareReport }
  /** A live run finished one more image: append it (the summary comes with it, recomputed). */
  | { type: 'image'; record: ImageRecord; summary: Report['summary']; done: number; total: number }
  /** Answer to `requestDetail`. `detail` is null with `error` when it could not be computed. */
  | { type: 'detail'; file: string; detail: ImageDetail | null; error?: string }
  /** Result of an `export` request, for the panel to say where it went. */
  | { type: 'exported'; format: ExportFormat; path: string | null; error?: string }
  /**
   * Added: answer to `simulateTheory`, computed by a worker process. `rows` is null with `error`
   * (one line) when it failed; an answer superseded by a newer request is never sent.
   */
  | { type: 'theory'; requestId: number; rows: TheoryRow[] | null; error?: string };

export type ExportFormat = 'csv' | 'json' | 'png' | 'html';

/** A report's place on disk: a run folder (`.robustness/<run id>/`) or any report.json. */
export interface ReportSource {
  runDir?: string;
  reportPath?: string;
}

// ---------------------------------------------------------------------------------------------
// Webview → Extension
// ---------------------------------------------------------------------------------------------
export type WebviewToExtension =
  /** The page loaded and listens: send the report. */
  | { type: 'ready' }
  /** The user opened the detail of an image. */
  | { type: 'requestDetail'; file: string }
  /**
   * Save something the user exported. `content` is text (csv, json, html) or a PNG data URL (charts);
   * `suggestedName` is a file name without folder.
   */
  | { type: 'export'; format: ExportFormat; suggestedName: string; content: string }
  /** Open an image file of the dataset in the editor. */
  | { type: 'openImage'; file: string }
  /**
   * Added: the user pressed Simulate in the Theory view. The extension runs it in a worker process
   * and answers `theory` with the same `requestId`; a newer request stops an older one still running.
   * The page sends it even with parameters it refused itself, so that a stale simulation stops; the
   * extension answers those with the refusal, starting no worker.
   */
  | { type: 'simulateTheory'; requestId: number; parameters: TheoryParameters };
