/**
 * A whole check, from options to the output folder (CONTRACT.md): list the data, resume what an
 * earlier run with the same settings finished, analyse the rest on a worker pool, and write
 * images.jsonl as results arrive, then report.json and report.html. Used by the CLI and the extension.
 */
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { EngineSettings, ImageDetail, ImageTask, ModelInfo, Stage } from '../protocol/messages';
import type { FileReason, ImageRecord, Report, RunConfig, UniversalityReport } from '../protocol/report';
import { attackNames, isAttackName } from '../engine/attacks/names';
import { attackOptionsOf } from '../engine/attacks/options';
import { summarize } from '../engine/statistics';
import { locateBundleFile, bundleFileCandidates } from './bundle-files';
import { compareCodeUnits, listDataset, selectImages } from './dataset';
import { filterTasks, type TaskList } from './task-list';
import { fingerprintModel } from './fingerprint';
import { WorkerPool, type FailureCause, type PoolListener } from './pool';
import { detailCandidates, outputFiles, writeReportFiles } from './report-files';
import { EtaEstimator } from './eta';
import { LiveSummary, withLazySummary } from './live-summary';
import { ResultsLog, readResults } from './results-log';
import { resultSettingsOf, runConfigOf } from './run-config';
import { readRunFile, settingsDifference, writeRunFile, type ResultSettings, type RunFile, type RunTime } from './run-file';
import type { CheckOptions, CheckOutcome, RunEvent, RunHandle } from './types';
import { checkOptionsProblem } from './validate';
import { runUniversalityPhase } from './universality';
import { tool } from './version';
import { checkDefaults } from './defaults';

export const defaultDetails = checkDefaults.details;
/** A model whose outputs are non-finite on this many images before any finite one is refused. */
const nonFiniteProbeImages = 3;

export function startCheck(options: CheckOptions, onEvent: (event: RunEvent) => void): RunHandle {
  const run = new CheckRun(options, onEvent);
  const done = run.execute();
  return { cancel: () => run.cancel(), done };
}

interface Progress {
  total: number;
  /** Finished before this run (resumed) or now, plus images that failed to decode. */
  done: number;
  analysedNow: number;
  /** This session's pace, measured from when the model is loaded (null before): the ETA. */
  eta: EtaEstimator | null;
  stage: Stage | null;
}

class CheckRun {
  private cancelled = false;
  private pool: WorkerPool | null = null;
  /** The dataset's source format, once listed (DatasetListing.format). */
  private dataFormat: string | undefined;
  /** Set when the model is refused mid-run (non-finite outputs on the first images): the run ends with it. */
  private refusal: Error | null = null;
  /** run.json as this session wrote it once the model loaded; its time is brought up to date after each image and at the end. */
  private runFile: RunFile | null = null;
  /** The earlier sessions' time and when this one started, for run.json's time. */
  private sessionTime: { earlier: RunTime; startedAtMs: number } | null = null;
  /** The preset that planned the run: this session's, else the one an earlier session stored. */
  private preset: string | undefined;

  constructor(
    private readonly options: CheckOptions,
    private readonly emit: (event: RunEvent) => void,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    void this.pool?.cancel();
  }

  async execute(): Promise<CheckOutcome> {
    // Let startCheck return before any work, so callers always get their handle first.
    await Promise.resolve();
    const options = this.options;
    const problem = checkOptionsProblem(options);
    if (problem) throw new Error(problem);
    const startedAt = new Date();

    const listing = await listDataset(options.data, options.labels, options);
    this.dataFormat = listing.format;
    const selected = selectImages(listing.images, options);
    const settings: ResultSettings = {
      model: resolve(options.model),
      modelHash: await fingerprintModel(options.model),
      data: listing.root,
      labels: options.labels === undefined ? null : resolve(options.labels),
      dataLabels: options.dataLabels === undefined ? null : resolve(options.dataLabels),
      classSubset: options.classes ?? null,
      classes: listing.classes,
      ...resultSettingsOf(options),
    };

    const outDir = resolve(options.out);
    await mkdir(outDir, { recursive: true });
    if (options.fresh) await Promise.all(Object.values(outputFiles).map((file) => rm(join(outDir, file), { force: true })));
    const runPath = join(outDir, outputFiles.run);
    const imagesPath = join(outDir, outputFiles.images);
    const earlier = readRunFile(runPath);
    const previous = readResults(imagesPath);
    if (!earlier && previous.length > 0) {
      throw new Error(`${options.out} holds ${outputFiles.images} without ${outputFiles.run}; use another --out or --fresh`);
    }
    const difference = earlier && settingsDifference(earlier.settings, settings);
    if (difference) throw new Error(`${options.out} holds a run with other settings (${difference}); use another --out or --fresh`);
    const earlierTime: RunTime = earlier?.time ?? { firstStartedAt: startedAt.toISOString(), activeSeconds: 0 };
    this.sessionTime = { earlier: earlierTime, startedAtMs: startedAt.getTime() };
    this.preset = options.preset ?? earlier?.preset;

    const finished = resumedRecords(selected, previous);
    const pending = filterTasks(selected, (position) => !finished.has(selected.indexAt(position)));
    const skipped = new Map(listing.skippedReasons.map((entry) => [entry.file, entry.reason]));
    const failed = new Map<string, string>();
    const guard = new FiniteOutputsGuard(options.model, Math.min(nonFiniteProbeImages, pending.length), finished.size > 0);
    const progress: Progress = { total: selected.length, done: finished.size, analysedNow: 0, eta: null, stage: null };
    const stageMs: Record<Stage, number> = { decode: 0, gradient: 0, 'line-search': 0, random: 0 };
    const workers = Math.max(1, Math.min(this.options.workers ?? availableParallelism(), pending.length));

    let model: ModelInfo | null = earlier?.modelInfo ?? null;
    let details: ImageDetail[] = [];
    let detailsMs = 0;
    let universality: { report: UniversalityReport | null; seconds: number } = { report: null, seconds: 0 };
    const log = new ResultsLog(imagesPath);
    try {
      if (!this.cancelled) {
        const listener = this.poolListener(finished, { skipped, failed, guard }, progress, stageMs, log);
        const pool = new WorkerPool(
          {
            workerScript: this.workerScript(),
            nodePath: options.nodePath,
            size: workers,
            batchMemoryMb: options.batchMemoryMb,
            init: {
              type: 'init',
              modelPath: settings.model,
              backend: options.backend,
              forward: options.forward ?? 'auto',
              // Fewer workers than cores (--workers, or few images left): each worker's ONNX Runtime takes a share of the rest.
              forwardThreads: Math.max(1, Math.floor(availableParallelism() / workers)),
              ...(options.preprocessing ? { preprocessing: options.preprocessing } : {}),
              settings: engineSettings(settings),
              classNames: listing.classes,
            },
          },
          listener,
        );
        this.pool = pool;
        try {
          model = (await this.analyse(pool, settings, pending, progress, workers, earlierTime)) ?? model;
          if (!this.cancelled) {
            const log = (message: string) => this.emit({ type: 'log', message });
            universality = await runUniversalityPhase(pool, options, selected, finished, listing.classes, () => this.cancelled, log);
          }
          if (!this.cancelled && (options.details ?? defaultDetails) > 0) {
            const detailsStart = Date.now();
            details = await this.drawDetails(pool, selected, finished);
            detailsMs = Date.now() - detailsStart;
          }
        } finally {
          await pool.close();
        }
      }
    } finally {
      log.close();
    }

    const images = finishedInOrder(selected, finished);
    const complete = progress.done >= progress.total;
    const status = this.cancelled && !complete ? 'cancelled' : 'complete';
    const wallSeconds = seconds(Date.now() - startedAt.getTime());
    const activeSeconds = this.recordRunTime(wallSeconds * 1000);
    const report: Report = {
      tool,
      config: this.runConfig(listing.classes, { skipped, failed }, images, model),
      summary: summarize(images, options.alphas),
      images,
      status,
      startedAt: startedAt.toISOString(),
      firstStartedAt: earlierTime.firstStartedAt,
      finishedAt: new Date().toISOString(),
      // How the run went, unlike config: varies with the machine, the workers and what was resumed.
      timings: {
        workers,
        wallSeconds,
        activeSeconds,
        imagesAnalysed: progress.analysedNow,
        imagesResumed: images.length - progress.analysedNow,
        decodeSeconds: seconds(stageMs.decode),
        gradientSeconds: seconds(stageMs.gradient),
        lineSearchSeconds: seconds(stageMs['line-search']),
        randomSeconds: seconds(stageMs.random),
        detailsSeconds: seconds(detailsMs),
        universalitySeconds: universality.seconds,
      },
      ...(universality.report ? { universality: universality.report } : {}),
    };
    const warning = writeReportFiles(outDir, report, details, options.reportAssetsDir);
    if (warning) this.emit({ type: 'warning', message: warning });
    return { report, outDir, status };
  }

  /** Waits for the model, checks it against the classes, then analyses `pending`; returns the model seen. */
  private async analyse(
    pool: WorkerPool,
    settings: ResultSettings,
    pending: TaskList,
    progress: Progress,
    workers: number,
    earlierTime: RunTime,
  ): Promise<ModelInfo | null> {
    let model: ModelInfo;
    try {
      model = await pool.ready;
    } catch (error) {
      if (this.cancelled) return null;
      throw error;
    }
    const mismatch = classMismatch(model, settings.classes);
    if (mismatch) throw new Error(mismatch);
    this.runFile = {
      tool,
      settings,
      selection: { limit: this.options.limit ?? null, sample: this.options.sample ?? null, shard: this.options.shard ?? null },
      modelInfo: model,
      time: earlierTime,
      ...(this.preset ? { preset: this.preset } : {}),
    };
    writeRunFile(join(resolve(this.options.out), outputFiles.run), this.runFile);
    const { firstStartedAt, activeSeconds: earlierSeconds } = earlierTime;
    this.emit({ type: 'started', outDir: resolve(this.options.out), total: progress.total, resumed: progress.done, model, workers, firstStartedAt, earlierSeconds });
    progress.eta = new EtaEstimator(workers);
    this.emitProgress(progress);
    await pool.run(pending);
    if (this.refusal) throw this.refusal;
    return model;
  }

  private poolListener(
    finished: Map<number, ImageRecord>,
    noResult: { skipped: Map<string, string>; failed: Map<string, string>; guard: FiniteOutputsGuard },
    progress: Progress,
    stageMs: Record<Stage, number>,
    log: ResultsLog,
  ): PoolListener {
    const liveSummary = new LiveSummary(finished, this.options.alphas);
    return {
      progress: (_index, stage) => {
        progress.stage = stage;
        this.emitProgress(progress);
      },
      result: (record, task, timings) => {
        noResult.guard.finite();
        log.append(record);
        // A session killed later (SIGKILL, a closed VS Code window) still counts up to here.
        this.recordRunTime();
        finished.set(task.index, record);
        progress.done++;
        progress.analysedNow++;
        let busyMs = 0;
        for (const [stage, ms] of Object.entries(timings) as [Stage, number][]) {
          stageMs[stage] += ms;
          busyMs += ms;
        }
        progress.eta?.imageFinished(Date.now(), busyMs);
        this.emit(withLazySummary({ type: 'image' as const, record, done: progress.done, total: progress.total }, () => liveSummary.current()));
        this.emitProgress(progress);
      },
      imageError: (task, message) => {
        noResult.skipped.set(task.file, withoutFilePrefix(task.file, message));
        progress.done++;
        this.emit({ type: 'warning', message: `skipped ${task.file}: ${message}` });
        this.emitProgress(progress);
      },
      imageFailed: (task, reason, cause: FailureCause) => {
        const why = withoutFilePrefix(task.file, reason);
        noResult.failed.set(task.file, why);
        progress.done++;
        this.emit({ type: 'warning', message: `failed ${task.file}: ${why}` });
        this.emitProgress(progress);
        if (cause === 'non-finite' && !this.refusal) {
          this.refusal = noResult.guard.nonFinite(why);
          if (this.refusal) void this.pool?.cancel();
        }
      },
      log: (message) => this.emit({ type: 'log', message }),
      workerReplaced: (message) => this.emit({ type: 'warning', message }),
    };
  }

  /** Writes run.json's time: the earlier sessions' seconds plus this one's `elapsedMs`; returns the total. */
  private recordRunTime(elapsedMs?: number): number {
    const time = this.sessionTime;
    if (!time) throw new Error('the run time is recorded before the run started');
    const { earlier, startedAtMs } = time;
    const activeSeconds = seconds(earlier.activeSeconds * 1000 + (elapsedMs ?? Date.now() - startedAtMs));
    if (this.runFile) writeRunFile(join(resolve(this.options.out), outputFiles.run), { ...this.runFile, time: { firstStartedAt: earlier.firstStartedAt, activeSeconds } });
    return activeSeconds;
  }

  private emitProgress(progress: Progress): void {
    const remaining = progress.total - progress.done;
    const etaSeconds = remaining === 0 ? 0 : (progress.eta?.secondsLeft(remaining) ?? null);
    this.emit({ type: 'progress', done: progress.done, total: progress.total, stage: progress.stage, etaSeconds });
  }

  /** Detail views of the first susceptible images, drawn by the workers before they shut down. */
  private async drawDetails(pool: WorkerPool, selected: TaskList, finished: Map<number, ImageRecord>): Promise<ImageDetail[]> {
    const candidates = detailCandidates(finishedInOrder(selected, finished), this.options.details ?? defaultDetails);
    const wanted = new Set(candidates.map((record) => record.index as number));
    const taskOf = new Map<number, ImageTask>();
    for (let position = 0; position < selected.length; position++) {
      if (wanted.has(selected.indexAt(position))) taskOf.set(selected.indexAt(position), selected.at(position));
    }
    const outcomes = await Promise.allSettled(candidates.map((record) => pool.detail(taskOf.get(record.index as number) as ImageTask, record)));
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failures.length > 0) {
      const reason = (failures[0].reason as Error).message;
      this.emit({ type: 'warning', message: `${failures.length} of ${candidates.length} image details could not be drawn: ${reason}` });
    }
    return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  }

  private runConfig(
    classes: string[],
    noResult: { skipped: Map<string, string>; failed: Map<string, string> },
    images: ImageRecord[],
    model: ModelInfo | null,
  ): RunConfig {
    const resized = [...new Set(images.flatMap((image) => (image.resized ? [image.resized] : [])))].sort();
    const skippedReasons = sortedReasons(noResult.skipped);
    return runConfigOf(this.options, classes, model, {
      resized,
      skipped: skippedReasons.map((entry) => entry.file),
      skippedReasons,
      failed: sortedReasons(noResult.failed),
      dataFormat: this.dataFormat,
    });
  }

  private workerScript(): string {
    if (this.options.workerScript) return this.options.workerScript;
    const found = locateBundleFile('worker.js');
    if (!found) throw new Error(`worker bundle not found at ${bundleFileCandidates('worker.js')[0]} (build it with: node scripts/build.mjs worker)`);
    return found;
  }
}

/**
 * Refuses a model whose outputs are non-finite on the first images of a run, before any finite
 * result (resumed results count as finite): its weights or its input scaling are broken, and
 * every image would fail.
 */
class FiniteOutputsGuard {
  private nonFiniteCount = 0;

  constructor(
    private readonly model: string,
    private readonly probeImages: number,
    private sawFinite: boolean,
  ) {}

  finite(): void {
    this.sawFinite = true;
  }

  /** Counts one image with non-finite outputs; returns the run's error once the model is refused. */
  nonFinite(reason: string): Error | null {
    if (this.sawFinite) return null;
    this.nonFiniteCount++;
    if (this.nonFiniteCount < this.probeImages) return null;
    const images = this.nonFiniteCount === 1 ? 'the first image' : `the first ${this.nonFiniteCount} images`;
    return new Error(`the model ${this.model} gives non-finite outputs on ${images} (${reason.replace(/^the model's outputs are not finite /, '')}): check its weights and the input scaling`);
  }
}

/** A worker's message starts with the file it concerns; the report lists the file beside it. */
function withoutFilePrefix(file: string, message: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

function sortedReasons(reasons: Map<string, string>): FileReason[] {
  return [...reasons].map(([file, reason]) => ({ file, reason })).sort((a, b) => compareCodeUnits(a.file, b.file));
}

/** The finished records of the selected images, in their order. */
function finishedInOrder(selected: TaskList, finished: ReadonlyMap<number, ImageRecord>): ImageRecord[] {
  const records: ImageRecord[] = [];
  for (let position = 0; position < selected.length; position++) {
    const record = finished.get(selected.indexAt(position));
    if (record) records.push(record);
  }
  return records;
}

/** Records of an earlier run for the selected images, keyed by index (a later line for the same file wins). */
function resumedRecords(selected: TaskList, previous: ImageRecord[]): Map<number, ImageRecord> {
  const byFile = new Map(previous.map((record) => [record.file, record]));
  const finished = new Map<number, ImageRecord>();
  if (byFile.size === 0) return finished;
  for (const task of selected) {
    const record = byFile.get(task.file);
    // A record written with NaN outputs (JSON null) by an older version is analysed again.
    if (record && !record.probabilities?.some((p) => typeof p !== 'number')) finished.set(task.index, { ...record, index: task.index });
  }
  return finished;
}

/** Milliseconds as seconds, to the millisecond. */
function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

function engineSettings(settings: ResultSettings): EngineSettings {
  const { attack, scales, maxEps, alphas, samples, seed, clip, rareEventBudget } = settings;
  if (!isAttackName(attack)) throw new Error(`unknown attack "${attack}" (known: ${attackNames.join(', ')})`);
  return { attack, attackOptions: attackOptionsOf(attack, settings.attackOptions), scales, maxEps, alphas, samples, seed, clip, ...(rareEventBudget ? { rareEventBudget } : {}) };
}

/** A binary sigmoid model needs exactly 2 classes, a k-output model k classes. */
export function classMismatch(model: ModelInfo, classes: string[]): string | null {
  if (model.classCount === classes.length) return null;
  const outputs = model.outputActivation === 'sigmoid' && model.classCount === 2 ? 'one sigmoid output (2 classes)' : `${model.classCount} outputs`;
  const shown = classes.length > 6 ? `${classes.slice(0, 6).join(', ')}, …` : classes.join(', ');
  return `the model has ${outputs} but the data has ${classes.length} class${classes.length === 1 ? '' : 'es'} (${shown}); give a folder per model class, or --labels with the model's classes in output order`;
}
