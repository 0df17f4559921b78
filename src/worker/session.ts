/**
 * One worker's conversation with its host (src/protocol/messages.ts): `init` loads the backend,
 * the model and the run's random set; `analyse` runs the protocol image by image; `detail` draws
 * one image's detail view; `universality` measures a batch of Theorem 8; `theory` simulates the
 * paper's model (no model needed); `cancel` ends the process. Messages are handled in the order they
 * arrive, except `cancel`, which acts at once (between two forward passes), and `theory`.
 */
import type { Classifier } from '../engine/classifier';
import { analyseImage, type MeasurementSettings } from '../engine/measurement';
import type { RandomSet } from '../engine/sampling';
import type { HostToWorker, ImageTask, ModelInfo, Stage, WorkerToHost } from '../protocol/messages';
import type { ImageRecord } from '../protocol/report';
import { settingsProblem } from '../protocol/settings-rules';
import { dispatchMessage, type MessageHandlers } from '../protocol/handlers';
import { isNonFiniteOutputs, requireFiniteRecord } from '../engine/non-finite';
import { imageDetail } from './detail';
import { theoryAnswer } from '../engine/theory-answer';
import { measureUniversalityWork } from './universality';
import { readTaskImage } from './images/model-image';
import type { ImageGeometry } from './model/input-shape';
import { randomSetBudgetBytes, randomSetBudgetEnv } from './random-set-budget';
import { randomSetDiskBytes, runRandomSet } from './random-set-disk';
import { workerClassifier } from './worker-classifier';
import { yieldingClassifier } from './yielding-classifier';

export interface WorkerPort {
  send(message: WorkerToHost): void;
  /** Ends the process once everything sent has been delivered. */
  exit(code: number): void;
  /** Diagnostics for the host's log (stderr). */
  log(line: string): void;
}

interface Loaded {
  classifier: Classifier;
  geometry: ImageGeometry;
  randomSet: RandomSet;
  protocol: MeasurementSettings;
  seed: number;
}

/** Random perturbations tried per forward pass when looking for a non-flipping one to draw. */
const detailBatch = 64;

export class WorkerSession {
  private loaded: Loaded | null = null;
  private queue: Promise<void> = Promise.resolve();
  private cancelled = false;
  /** Set when the run estimates rare flip probabilities (--rare-event). */
  private rareEvent: { budget: number; runSeed: number } | null = null;

  constructor(private readonly port: WorkerPort) {}

  /** Every Host → Worker message: `cancel` and `theory` (which needs no model) at once, the rest in order of arrival. */
  private readonly handlers: MessageHandlers<HostToWorker> = {
    cancel: () => {
      this.cancelled = true;
      this.port.exit(0);
    },
    theory: (message) => this.port.send(theoryAnswer(message)),
    init: (message) => this.enqueue(() => this.init(message)),
    analyse: (message) => this.enqueue(() => this.analyse(message.tasks)),
    detail: (message) => this.enqueue(() => this.detail(message.requestId, message.task, message.record)),
    universality: (message) => this.enqueue(() => this.universality(message)),
  };

  receive(message: HostToWorker): void {
    dispatchMessage(this.handlers, message);
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((error: unknown) => this.fatal(error));
  }

  private async init(message: Extract<HostToWorker, { type: 'init' }>): Promise<void> {
    if (this.loaded) throw new Error('the worker was initialised twice');
    validateSettings(message);
    const randomSetBudget = randomSetBudgetBytes();
    const built = await workerClassifier(message.modelPath, message.backend, message.forward, message.settings.samples, {
      threads: message.forwardThreads ?? 1,
      preprocessing: message.preprocessing,
      log: (line) => this.port.log(line),
    });
    const { classifier, model, batch: batchSize } = built;
    const { classNames } = message;
    if (classNames.length > 0 && classNames.length !== classifier.classCount) {
      classifier.dispose();
      throw new Error(
        `the model has ${classifier.classCount} classes (${model.outputCount} output${model.outputCount === 1 ? '' : 's'}) but the dataset has ${classNames.length}: ${classNames.join(', ')}`,
      );
    }
    // A chunk of a regenerated set is one forward batch: drawn, used for every α, dropped.
    const { set: randomSet, storage } = runRandomSet(message.settings.samples, classifier.dimension, message.settings.seed, { budgetBytes: randomSetBudget, chunkRows: batchSize }, randomSetDiskBytes());
    if (storage !== 'memory') {
      const inMegabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
      this.port.log(
        `random set drawn in chunks of ${batchSize} rows${storage === 'regenerated' ? ' for every image' : ' once, kept in a scratch file and read back for every image'}: its ${inMegabytes(randomSet.count * randomSet.dimension * 4)} exceed ${randomSetBudgetEnv} (${inMegabytes(randomSetBudget)})`,
      );
    }
    const { attack, scales, maxEps, alphas, clip } = message.settings;
    if (message.settings.rareEventBudget !== undefined) this.rareEvent = { budget: message.settings.rareEventBudget, runSeed: message.settings.seed };
    this.loaded = {
      classifier: yieldingClassifier(classifier),
      geometry: model.geometry,
      randomSet,
      protocol: { attack, scales, maxEps, alphas, clip, batchSize, lineSearchChunk: Math.min(32, batchSize), attackOptions: message.settings.attackOptions },
      seed: message.settings.seed,
    };
    const info: ModelInfo = {
      backend: built.backend,
      forward: built.forward,
      gradient: built.gradient,
      executionProvider: built.executionProvider,
      inputShape: [...model.geometry.shape],
      dimension: classifier.dimension,
      classCount: classifier.classCount,
      outputActivation: model.outputActivation,
      format: model.format,
    };
    this.port.send({ type: 'ready', model: info });
  }

  private async analyse(tasks: ImageTask[]): Promise<void> {
    const loaded = this.requireLoaded();
    for (const task of tasks) {
      if (this.cancelled) return;
      try {
        await this.analyseOne(loaded, task);
      } catch (error) {
        // An exhausted heap (wasm memory, an allocation that failed) can leave the backend broken: end
        // this worker, so the host retries the image on a fresh one instead of failing every image after it.
        if (isResourceExhaustion(error)) throw error;
        const failed = isNonFiniteOutputs(error);
        this.port.send({ type: 'error', message: `${task.file}: ${oneLine(error)}`, detail: stackOf(error), fatal: false, index: task.index, ...(failed ? { failed } : {}) });
      }
    }
    if (!this.cancelled) this.port.send({ type: 'idle' });
  }

  private async analyseOne(loaded: Loaded, task: ImageTask): Promise<void> {
    const timings: Partial<Record<Stage, number>> = {};
    // The clean classification between decoding and the attack belongs to no stage and is not timed.
    let stage: Stage | null = 'decode';
    let since = performance.now();
    const finishStage = () => {
      const now = performance.now();
      if (stage !== null) timings[stage] = (timings[stage] ?? 0) + (now - since);
      since = now;
    };
    this.port.send({ type: 'progress', index: task.index, stage: 'decode' });
    const image = await readTaskImage(task, loaded.geometry);
    finishStage();
    stage = null;
    const analysed = await analyseImage(loaded.classifier, image.pixels, task.label, protocolFor(loaded.protocol, this.rareEvent, task), loaded.randomSet, (next) => {
      finishStage();
      stage = next;
      this.port.send({ type: 'progress', index: task.index, stage: next });
    });
    finishStage();
    const record: ImageRecord = {
      file: task.file,
      label: task.label,
      predicted: analysed.predicted,
      correct: analysed.correct,
      adversarial: analysed.adversarial,
      random: analysed.random,
      probabilities: analysed.probabilities,
      index: task.index,
    };
    if (analysed.reason !== undefined) record.reason = analysed.reason;
    if (image.resized !== null) record.resized = image.resized;
    requireFiniteRecord(record);
    this.port.send({ type: 'result', record, timings });
  }

  private async detail(requestId: number, task: ImageTask, record: ImageRecord): Promise<void> {
    try {
      const loaded = this.requireLoaded();
      const image = await readTaskImage(task, loaded.geometry);
      const detail = await imageDetail(loaded.classifier, loaded.geometry, task.file, image.pixels, record, loaded.randomSet, {
        clip: loaded.protocol.clip,
        batchSize: Math.min(detailBatch, loaded.protocol.batchSize),
        attack: { name: loaded.protocol.attack, scales: loaded.protocol.scales, maxEps: loaded.protocol.maxEps, options: loaded.protocol.attackOptions },
      });
      this.port.send({ type: 'detail', requestId, detail });
    } catch (error) {
      this.port.send({
        type: 'error',
        message: `${task.file}: ${oneLine(error)}`,
        detail: stackOf(error),
        fatal: false,
        index: task.index,
        requestId,
      });
    }
  }

  private async universality(message: Extract<HostToWorker, { type: 'universality' }>): Promise<void> {
    const loaded = this.requireLoaded();
    const { attack, scales, maxEps, clip, batchSize, lineSearchChunk } = loaded.protocol;
    const part = await measureUniversalityWork(
      loaded.classifier,
      loaded.geometry,
      message.work,
      { attack, scales, maxEps, clip, batchSize, lineSearchChunk: lineSearchChunk ?? 32, seed: loaded.seed, attackOptions: loaded.protocol.attackOptions },
      () => this.cancelled,
    ).catch((error: unknown) => ({
      sources: message.work.sources.map(({ task }) => ({ index: task.index, targets: 0, flips: 0, baselineFlips: 0, note: oneLine(error) })),
    }));
    if (!this.cancelled) this.port.send({ type: 'universality', requestId: message.requestId, part });
  }

  private requireLoaded(): Loaded {
    if (!this.loaded) throw new Error('the worker got work before init');
    return this.loaded;
  }

  private fatal(error: unknown): void {
    this.port.send({ type: 'error', message: oneLine(error), detail: stackOf(error), fatal: true });
    this.port.exit(1);
  }
}

/** The job's settings by the rules the CLI and the extension check them with, named by their fields. */
function validateSettings(message: Extract<HostToWorker, { type: 'init' }>): void {
  const { backend, forward, preprocessing, settings } = message;
  const problem = settingsProblem({ ...settings, backend, forward, preprocessing }, 'key');
  if (problem) throw new Error(problem);
}

/** Out of memory in the wasm heap or the JS heap's array buffers: the process is not fit to go on. */
function isResourceExhaustion(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /out of memory|Array buffer allocation failed|WebAssembly\.Memory|Aborted\(OOM\)|\bOOM\b/i.test(message);
}

/** The protocol for one image: the rare-event estimator seeded from the run's seed and the image's index. */
function protocolFor(protocol: MeasurementSettings, rareEvent: { budget: number; runSeed: number } | null, task: ImageTask): MeasurementSettings {
  return rareEvent === null ? protocol : { ...protocol, rareEvent: { ...rareEvent, imageIndex: task.index } };
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

function stackOf(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : undefined;
}
