/**
 * One whole-protocol run through the run host (startCheck, the same path as the CLI), timed from the
 * moment the workers had the model loaded to the last image, with the workers' peak memory.
 */
import { startCheck } from '../run/check';
import type { TfBackendName as BackendName, ForwardChoice, ForwardName, ImageRecord } from '../protocol/report';
import { ChildMemorySampler } from './memory';

export interface MeasurementSettings {
  images: number;
  samples: number;
  scales: number;
  maxEps: number;
  alphas: number[];
  seed: number;
}

export interface StageSeconds {
  decode: number;
  gradient: number;
  lineSearch: number;
  random: number;
}

export interface ProtocolRunResult {
  workers: number;
  /** What the workers ran their forward passes on (the report's config.forward). */
  forward: ForwardName | null;
  images: number;
  correct: number;
  susceptible: number;
  /** Start of the run to report.json written (worker start-up and model loading included). */
  wallSeconds: number;
  /** First worker ready to last image finished. */
  analysisSeconds: number;
  imagesPerSecond: number;
  /** Forward passes the protocol needs (see countForwardPasses). */
  forwardPasses: number;
  forwardPassesPerSecond: number;
  /** forwardPasses × FLOPs per forward pass / analysisSeconds / 1e9 (gradients not counted). */
  gflops: number;
  /** Seconds per stage summed over the workers, and each stage's share of their sum. */
  stageSeconds: StageSeconds;
  stageShare: StageSeconds;
  /** Peak resident memory of each worker process, MB (empty where /proc is not available). */
  peakRssMB: number[];
  /** imagesPerSecond relative to the same model, backend and forward engine with one worker (1 for that run). */
  speedup: number | null;
}

/**
 * Forward passes of the protocol for these results: one clean pass per image; for each correct
 * image the line-search steps up to the first flip (all of them when none flips); for each
 * susceptible image samples × alphas random passes. The engine scans the line in chunks, so it may
 * evaluate up to a chunk more than counted here: a lower bound.
 */
function countForwardPasses(records: readonly ImageRecord[], settings: MeasurementSettings): number {
  let passes = 0;
  for (const record of records) {
    passes += 1;
    if (!record.correct) continue;
    if (record.adversarial) {
      passes += Math.round((record.adversarial.eps / settings.maxEps) * settings.scales);
      passes += record.random.reduce((sum, r) => sum + r.samples, 0);
    } else if (record.reason?.startsWith('no flip')) {
      passes += settings.scales;
    }
  }
  return passes;
}

export interface RunTarget {
  model: string;
  data: string;
  labels?: string;
  backend: BackendName;
  /** Passed to the workers as --forward. */
  forward: ForwardChoice;
  flopsPerForward: number;
}

export async function runProtocol(target: RunTarget, settings: MeasurementSettings, workers: number, out: string): Promise<ProtocolRunResult> {
  const sampler = new ChildMemorySampler();
  const started = performance.now();
  let analysisStarted: number | null = null;
  let lastImage = started;
  let peaks: number[] = [];
  let outcome;
  try {
    const handle = startCheck(
      {
        model: target.model,
        data: target.data,
        labels: target.labels,
        out,
        alphas: settings.alphas,
        samples: settings.samples,
        scales: settings.scales,
        maxEps: settings.maxEps,
        limit: settings.images,
        seed: settings.seed,
        clip: false,
        backend: target.backend,
        forward: target.forward,
        workers,
        fresh: true,
        details: 0,
      },
      (event) => {
        if (event.type === 'started') analysisStarted = performance.now();
        if (event.type === 'image') lastImage = performance.now();
      },
    );
    outcome = await handle.done;
  } finally {
    peaks = sampler.stop();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const analysisSeconds = Math.max(1e-6, (lastImage - (analysisStarted ?? started)) / 1000);
  const { report } = outcome;
  const timings = report.timings ?? {};
  const stageSeconds: StageSeconds = {
    decode: timings.decodeSeconds ?? 0,
    gradient: timings.gradientSeconds ?? 0,
    lineSearch: timings.lineSearchSeconds ?? 0,
    random: timings.randomSeconds ?? 0,
  };
  const stageTotal = Object.values(stageSeconds).reduce((a, b) => a + b, 0) || 1;
  const forwardPasses = countForwardPasses(report.images, settings);
  return {
    workers: typeof timings.workers === 'number' ? timings.workers : workers,
    forward: report.config.forward ?? null,
    images: report.images.length,
    correct: report.summary.correct,
    susceptible: report.summary.adversarial.susceptible,
    wallSeconds,
    analysisSeconds,
    imagesPerSecond: report.images.length / analysisSeconds,
    forwardPasses,
    forwardPassesPerSecond: forwardPasses / analysisSeconds,
    gflops: (forwardPasses * target.flopsPerForward) / analysisSeconds / 1e9,
    stageSeconds,
    stageShare: {
      decode: stageSeconds.decode / stageTotal,
      gradient: stageSeconds.gradient / stageTotal,
      lineSearch: stageSeconds.lineSearch / stageTotal,
      random: stageSeconds.random / stageTotal,
    },
    peakRssMB: peaks.map((bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10),
    speedup: null,
  };
}
