// Which (backend, forward engine) configurations the bench measures, how --forward is parsed, which
// row is the default one, and how the tables name each configuration. No process is started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardsToMeasure, isDefaultConfiguration, type DefaultConfiguration } from '../../src/bench/configurations';
import { BenchUsageError, parseBenchArgs, type BenchOptions } from '../../src/bench/options';
import type { ProtocolRunResult } from '../../src/bench/protocol-run';
import { formatPyTorch, type PyTorchComparison, type PyTorchRun } from '../../src/bench/pytorch';
import { formatDefault, formatEngineComparison, formatResults, type BenchResults, type ModelResult } from '../../src/bench/results';
import type { ForwardChoice, ForwardName } from '../../src/protocol/report';

test('by default both engines run on wasm and cpu where ONNX Runtime is installed, TF.js alone elsewhere', () => {
  assert.deepEqual(forwardsToMeasure('wasm', null, true), ['onnxruntime', 'tfjs']);
  assert.deepEqual(forwardsToMeasure('cpu', null, true), ['onnxruntime', 'tfjs']);
  assert.deepEqual(forwardsToMeasure('tensorflow', null, true), ['tfjs']);
  assert.deepEqual(forwardsToMeasure('tensorflow-gpu', null, true), ['tfjs']);
  assert.deepEqual(forwardsToMeasure('wasm', null, false), ['tfjs']);
  assert.deepEqual(forwardsToMeasure('tensorflow', ['auto', 'onnxruntime'], true), ['auto', 'onnxruntime'], 'an explicit list is measured as asked');
});

test('--forward takes a list of auto, onnxruntime, tfjs without repeats', () => {
  const parse = (argv: string[]) => parseBenchArgs(argv) as BenchOptions;
  assert.equal(parse([]).forwards, null);
  assert.deepEqual(parse(['--forward', 'tfjs']).forwards, ['tfjs']);
  assert.deepEqual(parse(['--forward', 'auto, onnxruntime,auto']).forwards, ['auto', 'onnxruntime']);
  assert.throws(() => parseBenchArgs(['--forward', 'ort']), new BenchUsageError('unknown forward engine ort (one of auto, onnxruntime, tfjs)'));
  assert.throws(() => parseBenchArgs(['--forward']), new BenchUsageError('--forward needs a comma-separated list'));
});

const defaults: DefaultConfiguration = {
  backend: 'wasm',
  forward: [
    { model: 'demo', forward: 'onnxruntime', note: null },
    { model: 'odd', forward: 'tfjs', note: 'forward passes on TF.js wasm: layer Lambda is not translated' },
  ],
};

test('the default row is the default backend with what auto chose for that model', () => {
  assert.equal(isDefaultConfiguration(defaults, 'demo', 'wasm', 'onnxruntime'), true);
  assert.equal(isDefaultConfiguration(defaults, 'demo', 'wasm', 'tfjs'), false);
  assert.equal(isDefaultConfiguration(defaults, 'demo', 'cpu', 'onnxruntime'), false);
  assert.equal(isDefaultConfiguration(defaults, 'odd', 'wasm', 'tfjs'), true);
  assert.equal(isDefaultConfiguration(defaults, 'demo', 'wasm', null), false);
  assert.equal(isDefaultConfiguration({ backend: null, forward: [] }, 'demo', 'wasm', 'onnxruntime'), false);
});

function run(workers: number, imagesPerSecond: number, forward: ForwardName): ProtocolRunResult {
  const stages = { decode: 0.1, gradient: 0.1, lineSearch: 0.3, random: 0.5 };
  return {
    workers, forward, images: 4, correct: 4, susceptible: 2, wallSeconds: 2, analysisSeconds: 1, imagesPerSecond,
    forwardPasses: 100, forwardPassesPerSecond: 100, gflops: 1, stageSeconds: stages, stageShare: stages, peakRssMB: [100], speedup: 1,
  };
}

function row(backend: 'wasm' | 'cpu', forwardChoice: ForwardChoice, forward: ForwardName, isDefault: boolean, msPerImage: number, imagesPerSecond: number[]): ModelResult {
  return {
    model: 'demo', description: 'the demo', backend, forwardChoice, forward, forwardNote: null, isDefault,
    inputShape: [28, 28, 3], parameters: 10, flopsPerForward: 1e6, uncountedLayers: [],
    micro: {
      forward, batch: 100, forwardMsPerImage: msPerImage, forwardMsBatch1: msPerImage * 2, gradientMs: 1, gradientForwardRatio: 1 / (msPerImage * 2),
      naiveGradientMs: null, naiveGradientForwardRatio: null, naiveGradientMaxAbsDiff: null,
      gradientEngine: forward, vjpMs: null, vjpForwardRatio: null, ortForwardMsPerImage: null, randomStageMsPerPass: msPerImage, randomSetResident: true, randomStageFraction: null,
      randomSetStorage: 'memory', randomSetDrawMsPerRow: 0.01, randomStageFirstImageMsPerPass: msPerImage + 0.0025, randomStageFirstImageFraction: null, randomStageCpuFraction: null,
    },
    forwardGflops: 1, runs: imagesPerSecond.map((ips, i) => run(i + 1, ips, forward)), skipped: [], error: null,
  };
}

function results(rows: ModelResult[], defaultConfiguration: DefaultConfiguration = defaults): BenchResults {
  return {
    tool: 'robustness-lens bench', version: '1.0.0', date: '2025-01-01T00:00:00.000Z', command: 'npm run bench --',
    machine: { cpuModel: 'cpu', cores: 2, memoryGB: 8, platform: 'linux x64', node: 'v20', gpu: null, onnxRuntime: '1.30.0' },
    settings: { images: 4, samples: 10, scales: 8, maxEps: 10, alphas: [1], seed: 0, workers: [1, 2], forwards: null, maxRunSeconds: 120, batchMegabytes: 256 },
    defaultConfiguration, results: rows,
  };
}

test('the tables name each row\'s engine, mark the default and compare the engines', () => {
  const rows = [row('wasm', 'onnxruntime', 'onnxruntime', true, 0.25, [4, 6]), row('wasm', 'tfjs', 'tfjs', false, 1, [1, 2]), row('cpu', 'auto', 'onnxruntime', false, 0.5, [2])];
  const text = formatResults(results(rows));
  assert.match(text, /· onnxruntime-node 1\.30\.0$/m);
  assert.match(text, /default configuration \(robustness-lens check with no --backend\/--forward\): backend auto → wasm, forward auto → onnxruntime \(demo\), tfjs \(odd\); rows marked \[DEFAULT\]/);
  assert.match(text, /^demo on wasm · forward onnxruntime {2}\[DEFAULT\] — the demo$/m);
  assert.match(text, /^demo on wasm · forward tfjs — the demo$/m);
  assert.match(text, /^demo on cpu · forward auto → onnxruntime — the demo$/m);
  assert.match(text, /forward \(ONNX Runtime, 1 thread\): 0\.250 ms\/image/);
  assert.match(text, /input gradient \(ONNX Runtime, 1 thread\): 1\.00 ms = 2\.00x a one-image forward pass on ONNX Runtime, 1 thread/);
  assert.match(text, /random stage \(random set held\): 0\.250 ms per perturbed forward pass at batch 100\n/);
  assert.match(text, /input gradient \(TF\.js wasm\): 1\.00 ms = 0\.50x a one-image forward pass on TF\.js wasm/);
  assert.equal(formatEngineComparison(rows), 'onnxruntime over tfjs (speed of the ONNX Runtime configuration relative to TF.js):\n  demo on wasm: forward 4.00x, 1 worker 4.00x images/s, 2 workers 3.00x images/s');

  const unmeasured = formatDefault(results([rows[1]]));
  assert.match(unmeasured, /backend auto → wasm, .*; not measured in this run$/);
  assert.equal(formatDefault(results([], { backend: null, forward: [] })), 'default configuration (robustness-lens check with no --backend/--forward): no backend loads here');
});

test('the PyTorch section gives ours/PyTorch and the agreement per configuration, and the default\'s ratio', () => {
  const pytorchRun: PyTorchRun = {
    threads: 2, images: 4, correct: 4, susceptible: 2, analysisSeconds: 1, processSeconds: 2, imagesPerSecond: 2, forwardPasses: 100, forwardPassesPerSecond: 100,
    gflops: 1, stageSeconds: { decode: 0, classify: 0, gradient: 0.1, lineSearch: 0.2, random: 0.7 }, batch: 64, records: [],
  };
  const configuration = (forwardChoice: ForwardChoice, forward: ForwardName, isDefault: boolean, workers: number) => ({ backend: 'wasm', forwardChoice, forward, isDefault, workers });
  const agreement = { images: 4, samePrediction: 4, bothSusceptible: 2, susceptibleInOneOnly: 0, sameEps: 2, oneStepApart: 0, moreApart: 0, flips: [{ alpha: 1, ours: 3, pytorch: 3, imagesDiffering: 0 }] };
  const comparison: PyTorchComparison = {
    model: 'demo',
    run: pytorchRun,
    error: null,
    ratios: [
      { ...configuration('onnxruntime', 'onnxruntime', true, 1), ratio: 0.6 },
      { ...configuration('onnxruntime', 'onnxruntime', true, 2), ratio: 1.1 },
      { ...configuration('tfjs', 'tfjs', false, 1), ratio: 0.2 },
      { ...configuration('tfjs', 'tfjs', false, 2), ratio: 0.35 },
    ],
    defaultRatio: { ...configuration('onnxruntime', 'onnxruntime', true, 2), ratio: 1.1 },
    agreement: [{ ...configuration('onnxruntime', 'onnxruntime', true, 2), ...agreement }, { ...configuration('tfjs', 'tfjs', false, 2), ...agreement }],
  };
  const text = formatPyTorch({ available: true, python: '/usr/bin/python3', torch: '1.13', randomSet: 'the engine\'s (seed 0)', comparisons: [comparison, { ...comparison, model: 'cifar-vgg', defaultRatio: null }] });
  assert.match(text, /demo in PyTorch: 2 threads, 4 images/);
  assert.match(text, /\n {4}wasm · forward onnxruntime \[DEFAULT\]: ours \/ PyTorch images\/s 1 worker 0\.60x, 2 workers 1\.10x\n {6}agreement \(2 workers\): 4\/4 same class, ε\* 2\/2 equal.* α=1 3\/3\n {4}wasm · forward tfjs: ours \/ PyTorch images\/s 1 worker 0\.20x, 2 workers 0\.35x\n {6}agreement \(2 workers\)/);
  assert.match(text, /default configuration, 2 workers against 2 PyTorch threads, ours \/ PyTorch images\/s: demo 1\.10x \(wasm · forward onnxruntime\), cifar-vgg not measured$/);
});
