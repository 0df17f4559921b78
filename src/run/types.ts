import type { ImageRecord, Report, Summary } from '../protocol/report';
import type { ModelInfo, Stage } from '../protocol/messages';
import type { RunSettings } from '../protocol/settings';

/** The settings a check always has (the CLI fills in their defaults) and those it may leave unset. */
type RequiredSettings = 'alphas' | 'samples' | 'scales' | 'maxEps' | 'seed' | 'clip' | 'backend';
type OptionalSettings = 'attack' | 'attackOptions' | 'rareEvent' | 'rareEventBudget' | 'preprocessing' | 'forward' | 'limit' | 'sample' | 'batchMemoryMb' | 'workers' | 'details' | 'universalityTargets';

/**
 * Everything a check needs: the CLI's flags (CONTRACT.md) plus host-side process settings. The run's
 * settings are RunSettings' (src/protocol/settings.ts: what each means, its default and its rule);
 * `workers` defaults to the number of cores.
 */
export interface CheckOptions extends Pick<RunSettings, RequiredSettings>, Partial<Pick<RunSettings, OptionalSettings>> {
  model: string;
  data: string;
  out: string;
  labels?: string;
  /** --data-labels: the labels file of an array dataset (IDX, .npy), when not the sibling its name implies. */
  dataLabels?: string;
  /** --classes: analyse only these classes (names or indices of the data's classes), in this order, which is the model's output order. */
  classes?: string[];
  /** Shard i of n (0-based) of the sorted image list, for splitting a dataset across machines. */
  shard?: { index: number; count: number };
  /** Node executable for the workers; default: process.execPath (with ELECTRON_RUN_AS_NODE under Electron). */
  nodePath?: string;
  /** The worker bundle; default: worker.js beside the running bundle. */
  workerScript?: string;
  /** Start over: delete the results of an earlier run in `out` instead of resuming them. */
  fresh?: boolean;
  /** Folder holding webview.js and webview.css for report.html; default: beside the running bundle. */
  reportAssetsDir?: string;
  /** Universality (Theorem 8) after the protocol: 'auto' (default) measures it when it costs under 10 % of the run; 'on' (--universality) always. */
  universality?: UniversalityMode;
  /** The extension's preset that planned the run (quick, paper, custom), kept in run.json to name the run; the CLI sets none, and a session without one keeps the stored one. */
  preset?: string;
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
