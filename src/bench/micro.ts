/**
 * In-process timings of the computations the protocol is made of, through the worker's own
 * classifier (same backend loading, forward engine, kernels, batch size and loss): the batched
 * perturbed forward pass, a single-image forward pass, a single-image input gradient (on the
 * engine the worker runs it on: the gradient graph on ONNX Runtime, else TF.js), and the random
 * stage as a worker runs it (randomFlips over a batch of the run's random set, held in memory, read
 * back from the scratch file or regenerated as it would be at the run's sample count), with the
 * drawing at init charged to the first image apart. On ONNX Runtime also the raw vjp and
 * ONNX Runtime's own forward throughput on the same graph (inputs ready), so that the gradient and
 * the random stage are each a ratio to the same engine measured in the same interleaved rounds.
 * On wasm with a TF.js gradient it also times TF.js's own Conv2DBackpropInput kernel, to show what
 * src/worker/kernels/conv2d-backprop-input.ts saves.
 */
import { Conv2DBackpropInput, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropInputConfig as tfjsWasmConv2DBackpropInput } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Conv2DBackpropInput';
import type { TfBackendName as BackendName, ForwardChoice, ForwardName } from '../protocol/report';
import { randomFlips } from '../engine/random-flips';
import { OrtClassifier } from '../worker/compute/ort-classifier';
import { randomSetBudgetBytes } from '../worker/random-set-budget';
import { randomSetDiskBytes, randomSetStorage, runRandomSet, type RandomSetStorage } from '../worker/random-set-disk';
import { workerClassifier } from '../worker/worker-classifier';
import { ownCpuMilliseconds } from './process-stats';

export interface MicroResult {
  /** What ran the timed forward passes (ONNX Runtime on one thread, as in a worker, or the TF.js backend). */
  forward: ForwardName;
  /**
   * Images per timed batched forward pass: the worker's memory-sized batch (at most `samples`), or
   * fewer where that batch would take over a second.
   */
  batch: number;
  /** Milliseconds per image of a batched perturbed forward pass (the random stage's unit of work). */
  forwardMsPerImage: number;
  /** Milliseconds of a forward pass of one image alone. */
  forwardMsBatch1: number;
  /** What ran the input gradient: the gradient graph on ONNX Runtime, or TF.js. */
  gradientEngine: ForwardName;
  /** Milliseconds of one image's input gradient (the attack's first step: lossGradient, a forward pass for k > 1 classes included). */
  gradientMs: number;
  /** gradientMs / forwardMsBatch1: what one gradient costs in single-image forward passes of `forward`. */
  gradientForwardRatio: number;
  /** ONNX Runtime only (else null): ms of the primitive vjp, logits and ∂(Σ w·z)/∂x for one image. */
  vjpMs: number | null;
  /** vjpMs / forwardMsBatch1. */
  vjpForwardRatio: number | null;
  /** ONNX Runtime only (else null): ms per image of ONNX Runtime's own forward pass on the same graph at `batch` rows, inputs ready. */
  ortForwardMsPerImage: number | null;
  /**
   * ms per perturbed forward pass of the random stage as every image of a run pays it (randomFlips
   * on `batch` rows of the random set, every α): rows held in memory, read back from the scratch
   * file, or regenerated, as the worker keeps the run's `samples` rows (`randomSetStorage`).
   */
  randomStageMsPerPass: number;
  /** Whether the run's random set (`samples` rows) is held in memory (randomSetStorage 'memory'). */
  randomSetResident: boolean;
  /** Where a worker keeps the run's random set under the memory and disk budgets (random-set-disk.ts). */
  randomSetStorage: RandomSetStorage;
  /** ms to draw one row of the random set once at worker init (its norms, and the scratch file's write where it has one). */
  randomSetDrawMsPerRow: number;
  /** The first image's random stage per pass, its rows' drawing charged to it: randomStageMsPerPass + randomSetDrawMsPerRow / alphas. */
  randomStageFirstImageMsPerPass: number;
  /** ortForwardMsPerImage / randomStageMsPerPass: the random stage's throughput as a fraction of ONNX Runtime's own (null off ONNX Runtime). */
  randomStageFraction: number | null;
  /** ortForwardMsPerImage / randomStageFirstImageMsPerPass (null off ONNX Runtime). */
  randomStageFirstImageFraction: number | null;
  /**
   * randomStageFraction from the same rounds' CPU time of this process instead of wall time (null
   * off ONNX Runtime): steadier on a machine shared with other jobs, where waiting for a core
   * inflates wall times at random.
   */
  randomStageCpuFraction: number | null;
  /** The same with TF.js's own wasm Conv2DBackpropInput (wasm only, else null). */
  naiveGradientMs: number | null;
  naiveGradientForwardRatio: number | null;
  /** Largest |difference| between the gradient with our kernel and with TF.js's own (wasm only). */
  naiveGradientMaxAbsDiff: number | null;
}

export interface TimingOptions {
  /** Repeat each measurement until it has run at least this long (after one warm-up call). */
  minSeconds: number;
  minRepeats: number;
}

/** Median milliseconds of each action over rounds lasting at least `minSeconds` in all (after one warm-up round). */
async function timeMs(actions: Array<() => Promise<unknown>>, options: TimingOptions): Promise<number[]> {
  return (await timeWallAndCpu(actions, options)).wall;
}

/**
 * timeMs's medians, and the medians of this process's CPU time per action: on a machine shared with
 * other jobs, wall time also counts the moments the process waited for a core, CPU time does not.
 */
export async function timeWallAndCpu(actions: Array<() => Promise<unknown>>, options: TimingOptions): Promise<{ wall: number[]; cpu: number[] }> {
  for (const action of actions) await action();
  // Rounds interleave the actions, so load from other processes slows them alike and their ratio holds.
  const wall: number[][] = actions.map(() => []);
  const cpu: number[][] = actions.map(() => []);
  const started = performance.now();
  while (wall[0].length < options.minRepeats || performance.now() - started < options.minSeconds * 1000) {
    for (const [i, action] of actions.entries()) {
      const t0 = performance.now();
      const c0 = ownCpuMilliseconds();
      await action();
      wall[i].push(performance.now() - t0);
      cpu[i].push(ownCpuMilliseconds() - c0);
    }
  }
  const median = (list: number[]) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return { wall: wall.map(median), cpu: cpu.map(median) };
}

/** A seeded image in [0,1] and a unit-ish random direction set, so every run times the same work. */
function seededValues(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 4294967296;
  }
  return values;
}

/** Runs `action` with TF.js's own wasm Conv2DBackpropInput in place of ours, then puts ours back. */
async function withTfjsWasmBackpropInput<T>(backend: object, action: () => Promise<T>): Promise<T> {
  const ours = getKernel(Conv2DBackpropInput, 'wasm') as KernelConfig | undefined;
  tfjsWasmConv2DBackpropInput.setupFunc?.(backend as never);
  if (ours) unregisterKernel(Conv2DBackpropInput, 'wasm');
  registerKernel(tfjsWasmConv2DBackpropInput);
  try {
    return await action();
  } finally {
    unregisterKernel(Conv2DBackpropInput, 'wasm');
    if (ours) registerKernel(ours);
  }
}

/** The timings, and why `auto` kept TF.js when it tried ONNX Runtime. */
export async function measureMicro(
  modelPath: string,
  backend: BackendName,
  forward: ForwardChoice,
  samples: number,
  alphas: readonly number[],
  timing: TimingOptions,
): Promise<{ micro: MicroResult; note: string | null }> {
  const built = await workerClassifier(modelPath, backend, forward, samples);
  const { classifier, forward: engine, note, batch } = built;
  try {
    const d = classifier.dimension;
    const image = seededValues(d, 1);
    const directions = seededValues(batch * d, 2).map((v) => v - 0.5);
    const multipliers = new Float32Array(batch).fill(0.5);
    const label = (await classifier.predict(image, 1))[0];

    const ort = classifier instanceof OrtClassifier ? classifier : null;
    // A margin's cotangent, e_0 − e_1 (the single logit of a one-output model).
    const cotangent = ort ? new Float32Array((await ort.logits(image, 1)).length) : new Float32Array(0);
    if (cotangent.length > 0) cotangent[0] = 1;
    if (cotangent.length > 1) cotangent[1] = -1;
    const singleActions: Array<() => Promise<unknown>> = [() => classifier.predict(image, 1), () => classifier.lossGradient(image, label)];
    if (ort) singleActions.push(() => ort.vjp(image, 1, cotangent));
    const [forwardMsBatch1, gradientMs, vjpMs] = await timeMs(singleActions, timing);
    // On a slow backend (cpu) a full batch can take minutes: time a batch of about a second instead.
    const timedBatch = Math.max(1, Math.min(batch, Math.floor(1000 / forwardMsBatch1)));
    const rows = directions.subarray(0, timedBatch * d);
    const perturbed = Float32Array.from(rows, (u, i) => image[i % d] + 0.5 * u);
    // One batch of the run's random set, kept where a worker keeps the run's `samples` rows.
    const storage = randomSetStorage(samples, d, randomSetBudgetBytes(), randomSetDiskBytes());
    const drawBatch = () => {
      const memory = { budgetBytes: storage === 'memory' ? Number.MAX_SAFE_INTEGER : 0, chunkRows: timedBatch };
      return runRandomSet(timedBatch, d, 0, memory, storage === 'scratch-file' ? Number.MAX_SAFE_INTEGER : 0).set;
    };
    const [drawMs] = await timeMs([async () => drawBatch()], { minSeconds: 0, minRepeats: 5 });
    const randomSet = drawBatch();
    const batchActions: Array<() => Promise<unknown>> = [
      () => classifier.predictPerturbed(image, rows, timedBatch, multipliers.subarray(0, timedBatch), false),
      () => randomFlips(classifier, image, label, 1, [...alphas], randomSet, { clip: false, batchSize: timedBatch }),
    ];
    if (ort) batchActions.push(() => ort.logits(perturbed, timedBatch));
    const batchTimes = await timeWallAndCpu(batchActions, timing);
    const [batchMs, randomStageMs, ortBatchMs] = batchTimes.wall;
    const [, randomStageCpuMs, ortBatchCpuMs] = batchTimes.cpu;
    const randomStageMsPerPass = randomStageMs / (timedBatch * alphas.length);
    const randomSetDrawMsPerRow = drawMs / timedBatch;
    const randomStageFirstImageMsPerPass = randomStageMsPerPass + randomSetDrawMsPerRow / alphas.length;
    const ortForwardMsPerImage = ort ? ortBatchMs / timedBatch : null;

    let naiveGradientMs: number | null = null;
    let naiveGradientMaxAbsDiff: number | null = null;
    if (backend === 'wasm' && built.runtime && built.gradient === 'tfjs') {
      const ours = await classifier.lossGradient(image, label);
      await withTfjsWasmBackpropInput(built.runtime.tf.backend(), async () => {
        [naiveGradientMs] = await timeMs([() => classifier.lossGradient(image, label)], { minSeconds: 0, minRepeats: 3 });
        const theirs = await classifier.lossGradient(image, label);
        if (ours && theirs) {
          let diff = 0;
          for (let i = 0; i < d; i++) diff = Math.max(diff, Math.abs(ours.gradient[i] - theirs.gradient[i]));
          naiveGradientMaxAbsDiff = diff;
        }
      });
    }
    const micro: MicroResult = {
      forward: engine,
      batch: timedBatch,
      forwardMsPerImage: batchMs / timedBatch,
      forwardMsBatch1,
      gradientEngine: built.gradient,
      gradientMs,
      gradientForwardRatio: gradientMs / forwardMsBatch1,
      vjpMs: ort ? vjpMs : null,
      vjpForwardRatio: ort ? vjpMs / forwardMsBatch1 : null,
      ortForwardMsPerImage,
      randomStageMsPerPass,
      randomSetResident: storage === 'memory',
      randomSetStorage: storage,
      randomSetDrawMsPerRow,
      randomStageFirstImageMsPerPass,
      randomStageFraction: ortForwardMsPerImage === null ? null : ortForwardMsPerImage / randomStageMsPerPass,
      randomStageFirstImageFraction: ortForwardMsPerImage === null ? null : ortForwardMsPerImage / randomStageFirstImageMsPerPass,
      randomStageCpuFraction: ort ? ortBatchCpuMs / timedBatch / (randomStageCpuMs / (timedBatch * alphas.length)) : null,
      naiveGradientMs,
      naiveGradientForwardRatio: naiveGradientMs === null ? null : naiveGradientMs / forwardMsBatch1,
      naiveGradientMaxAbsDiff,
    };
    return { micro, note };
  } finally {
    classifier.dispose();
  }
}
