import type { Preprocessing } from '../protocol/preprocessing';
import type { BackendChoice, ForwardChoice, ImageRecord, Report, Summary } from '../protocol/report';
import type { ModelInfo, Stage } from '../protocol/messages';
import type { AttackName } from '../engine/attacks/names';
import type { AttackOptions } from '../engine/attacks/options';

/** Everything a check needs: the CLI's flags (CONTRACT.md) plus host-side process settings. */
export interface CheckOptions {
  model: string;
  data: string;
  out: string;
  labels?: string;
  /** --data-labels: the labels file of an array dataset (IDX, .npy), when not the sibling its name implies. */
  dataLabels?: string;
  /** --classes: analyse only these classes (names or indices of the data's classes), in this order, which is the model's output order. */
  classes?: string[];
  /** The adversarial attack (--attack); default 'fgm-line', the paper's. */
  attack?: AttackName;
  /** Budgets and schedules of ddn, fmn and best, and fgm-line's refine (--steps, --ddn-*, --fmn-*, --refine); unset ones keep their defaults. */
  attackOptions?: Partial<AttackOptions>;
  alphas: number[];
  samples: number;
  scales: number;
  maxEps: number;
  limit?: number;
  /** Analyse this many images spread evenly over the sorted order (after --limit): a quick look covering every class. */
  sample?: number;
  seed: number;
  clip: boolean;
  /** Estimate each α's flip probability far below 1/samples (--rare-event); default off. */
  rareEvent?: boolean;
  /** Forward passes per image and α for those estimates (--rare-event-budget); default 20 000. */
  rareEventBudget?: number;
  backend: BackendChoice;
  /** What the model expects of [0, 1] RGB pixels (--preprocess, --mean, --std); default 'unit'. */
  preprocessing?: Preprocessing;
  /** What runs the forward passes (--forward): ONNX Runtime where it can, TF.js, or auto; default auto. */
  forward?: ForwardChoice;
  /** Memory budget of one forward batch per worker, in MB (batches are sized by memory, not count). */
  batchMemoryMb?: number;
  /** Worker processes; defaults to the number of cores. */
  workers?: number;
  /** Shard i of n (0-based) of the sorted image list, for splitting a dataset across machines. */
  shard?: { index: number; count: number };
  /** Node executable for the workers; default: process.execPath (with ELECTRON_RUN_AS_NODE under Electron). */
  nodePath?: string;
  /** The worker bundle; default: worker.js beside the running bundle. */
  workerScript?: string;
  /** Start over: delete the results of an earlier run in `out` instead of resuming them. */
  fresh?: boolean;
  /** How many susceptible images get their detail view embedded in report.html (default 24). */
  details?: number;
  /** Folder holding webview.js and webview.css for report.html; default: beside the running bundle. */
  reportAssetsDir?: string;
  /** Universality (Theorem 8) after the protocol: 'auto' (default) measures it when it costs under 10 % of the run; 'on' (--universality) always. */
  universality?: UniversalityMode;
  /** Most targets sampled per class for universality (--universality-targets); default 200. */
  universalityTargets?: number;
}

export type UniversalityMode = 'auto' | 'on' | 'off';

/** What a running check tells its caller (CLI progress on stderr, extension notification, live panel). */
export type RunEvent =
  | {
      type: 'started';
      outDir: string;
      total: number;
      resumed: number;
      model: ModelInfo;
      workers: number;
      /** When the run's first session started (ISO): this one's start unless resumed. */
      firstStartedAt: string;
      /** Wall seconds of the run's earlier sessions (0 unless resumed). */
      earlierSeconds: number;
    }
  | { type: 'progress'; done: number; total: number; stage: Stage | null; etaSeconds: number | null }
  | { type: 'image'; record: ImageRecord; summary: Summary; done: number; total: number }
  | { type: 'warning'; message: string }
  | { type: 'log'; message: string };

export interface CheckOutcome {
  report: Report;
  outDir: string;
  status: 'complete' | 'cancelled';
}

export interface RunHandle {
  /** Stops the workers promptly; finished images stay in images.jsonl and report.json is written. */
  cancel(): void;
  /** Resolves when report.json is written; rejects with a one-line Error on a run error. */
  readonly done: Promise<CheckOutcome>;
}
