// The built bench (dist/bench.js) on a tiny model and a few images made here: its JSON has every
// field, with the right types and consistent values, for every (backend, forward engine)
// configuration, and the default configuration is named. No timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encode as encodePng } from 'fast-png';
import { syntheticImage } from '../../src/bench/fixtures';
import { countFlops } from '../../src/bench/flops';
import { layerShapesOf } from '../../src/bench/layer-shapes';
import { paperNetwork } from '../../src/bench/paper-network';
import type { BenchResults, ModelResult } from '../../src/bench/results';
import { fileSystemHandler } from '../../src/worker/model/file-io';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bench-json-'));
let expectedFlops = 0;

test.before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'bench', 'worker'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  await tf.setBackend('cpu');
  const model = paperNetwork(tfl, { inputShape: [8, 8, 3], conv56: false, width: 0.05, seed: 2, dropout: 0 });
  expectedFlops = countFlops(layerShapesOf(model)).total;
  await model.save(fileSystemHandler(join(work, 'model', 'model.json')));
  model.dispose();
  for (const [index, name] of ['a', 'a', 'b', 'b'].entries()) {
    mkdirSync(join(work, 'data', name), { recursive: true });
    const pixels = syntheticImage(index, 8, 8);
    const png = encodePng({ width: 8, height: 8, channels: 3, depth: 8, data: Uint8Array.from(pixels, (v) => Math.round(v * 255)) });
    writeFileSync(join(work, 'data', name, `${index}.png`), png);
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

function runBench(args: string[]) {
  return spawnSync(process.execPath, [join(root, 'dist', 'bench.js'), ...args], { cwd: root, encoding: 'utf8' });
}

const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

function readResults(out: string): BenchResults {
  const files = readdirSync(out).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1);
  return JSON.parse(readFileSync(join(out, files[0]), 'utf8')) as BenchResults;
}

function checkConfiguration(r: ModelResult, workers: number[], images: number, samples: number): void {
  assert.equal(r.error, null);
  assert.equal(r.model, 'custom');
  assert.ok(r.description.endsWith('model.json'));
  assert.deepEqual(r.inputShape, [8, 8, 3]);
  assert.ok(r.parameters > 0);
  assert.equal(r.flopsPerForward, expectedFlops);
  assert.deepEqual(r.uncountedLayers, []);
  assert.deepEqual(r.skipped, []);
  assert.equal(r.forwardNote, null, 'the tiny model translates to ONNX');
  const micro = r.micro!;
  assert.equal(micro.forward, r.forward);
  assert.ok(micro.batch >= 1 && micro.batch <= samples);
  for (const key of ['forwardMsPerImage', 'forwardMsBatch1', 'gradientMs', 'gradientForwardRatio', 'randomStageMsPerPass'] as const) assert.ok(isNumber(micro[key]) && micro[key] > 0, key);
  assert.equal(micro.gradientEngine, r.forward, 'the gradient runs on the forward engine (the gradient graph on ONNX Runtime)');
  assert.equal(micro.randomSetResident, true, 'a few rows of 8x8x3 fit the random-set budget');
  assert.equal(micro.randomSetStorage, 'memory');
  assert.ok(isNumber(micro.randomSetDrawMsPerRow) && micro.randomSetDrawMsPerRow > 0, 'the drawing at init is timed');
  assert.ok(micro.randomStageFirstImageMsPerPass > micro.randomStageMsPerPass, 'the first image also pays its rows\' drawing');
  if (r.forward === 'onnxruntime') {
    for (const key of ['vjpMs', 'vjpForwardRatio', 'ortForwardMsPerImage', 'randomStageFraction', 'randomStageCpuFraction'] as const) assert.ok(isNumber(micro[key]) && (micro[key] as number) > 0, key);
    assert.ok(Math.abs((micro.randomStageFraction as number) - (micro.ortForwardMsPerImage as number) / micro.randomStageMsPerPass) < 1e-12);
    assert.ok(Math.abs((micro.randomStageFirstImageFraction as number) - (micro.ortForwardMsPerImage as number) / micro.randomStageFirstImageMsPerPass) < 1e-12);
  } else {
    assert.deepEqual([micro.vjpMs, micro.vjpForwardRatio, micro.ortForwardMsPerImage, micro.randomStageFraction, micro.randomStageFirstImageFraction, micro.randomStageCpuFraction], [null, null, null, null, null, null]);
  }
  if (r.backend === 'wasm' && micro.gradientEngine === 'tfjs') {
    assert.ok(isNumber(micro.naiveGradientMs) && isNumber(micro.naiveGradientForwardRatio));
    assert.ok((micro.naiveGradientMaxAbsDiff as number) < 1e-4, 'our kernel and TF.js\'s give the same gradient');
  } else {
    assert.deepEqual([micro.naiveGradientMs, micro.naiveGradientForwardRatio, micro.naiveGradientMaxAbsDiff], [null, null, null]);
  }
  assert.ok(isNumber(r.forwardGflops));

  assert.deepEqual(r.runs.map((run) => run.workers), workers);
  for (const run of r.runs) {
    assert.equal(run.forward, r.forward, 'the workers ran the forward passes on the engine timed');
    assert.equal(run.images, images);
    assert.ok(run.correct >= 0 && run.correct <= images && run.susceptible <= run.correct);
    for (const key of ['wallSeconds', 'analysisSeconds', 'imagesPerSecond', 'forwardPasses', 'forwardPassesPerSecond', 'gflops', 'speedup'] as const) {
      assert.ok(isNumber(run[key]), `${key} is ${String(run[key])}`);
    }
    assert.ok(run.forwardPasses >= images, 'at least one forward pass per image');
    assert.deepEqual(Object.keys(run.stageSeconds).sort(), ['decode', 'gradient', 'lineSearch', 'random']);
    const shares = Object.values(run.stageShare);
    assert.ok(shares.every(isNumber));
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    if (process.platform === 'linux') {
      assert.equal(run.peakRssMB.length, run.workers, 'one peak per worker');
      assert.ok(run.peakRssMB.every((mb) => mb > 10));
    }
  }
  assert.equal(r.runs[0].speedup, 1);
}

test('a tiny run on wasm with 1 and 2 workers measures both forward engines and marks the default', () => {
  const out = join(work, 'out');
  const run = runBench([
    '--model', join(work, 'model', 'model.json'), '--data', join(work, 'data'),
    '--backends', 'wasm', '--images', '3', '--samples', '6', '--scales', '16', '--alphas', '1,10',
    '--workers', '2,1', '--min-seconds', '0.01', '--no-pytorch', '--out', out,
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /custom on wasm · forward onnxruntime/);
  assert.match(run.stdout, /custom on wasm · forward tfjs/);
  assert.match(run.stdout, /input gradient \(ONNX Runtime, 1 thread\): .* a one-image forward pass on ONNX Runtime, 1 thread; the vjp alone [\d.]+ ms = [\d.]+x/);
  assert.match(run.stdout, /input gradient \(TF\.js wasm\): .* a one-image forward pass on TF\.js wasm \(TF\.js's own wasm kernel/);
  assert.match(run.stdout, /random stage \(random set held\): [\d.]+ ms per perturbed forward pass at batch \d+ = \d+% of ONNX Runtime's own forward throughput on the same graph/);
  assert.match(run.stdout, /onnxruntime over tfjs .*\n {2}custom on wasm: forward [\d.]+x, 1 worker [\d.]+x images\/s, 2 workers [\d.]+x images\/s/);
  assert.match(run.stdout, /written to .*\.json/);
  const bench = readResults(out);

  assert.equal(bench.tool, 'robustness-lens bench');
  assert.match(bench.version, /^\d+\.\d+\.\d+/);
  assert.ok(!Number.isNaN(Date.parse(bench.date)));
  assert.match(bench.command, /^npm run bench -- --model .* --workers 2,1 --min-seconds 0\.01 --no-pytorch --out /);
  const m = bench.machine;
  assert.ok(typeof m.cpuModel === 'string' && m.cores >= 1 && m.memoryGB > 0 && m.platform && m.node.startsWith('v'));
  assert.equal(m.gpu, null);
  assert.match(m.onnxRuntime ?? '', /^\d+\.\d+\.\d+/, 'onnxruntime-node is a dependency');
  assert.deepEqual(
    { ...bench.settings, batchMegabytes: undefined },
    { images: 3, samples: 6, scales: 16, maxEps: 10, alphas: [1, 10], seed: 0, workers: [1, 2], forwards: null, maxRunSeconds: 120, batchMegabytes: undefined },
  );
  assert.ok(isNumber(bench.settings.batchMegabytes));
  assert.equal(bench.pytorch, undefined);

  // With no native TensorFlow installed, auto loads wasm, and auto runs a translatable model on ONNX Runtime.
  const defaults = bench.defaultConfiguration;
  assert.ok(defaults.backend !== null);
  const autoForward = defaults.backend === 'wasm' || defaults.backend === 'cpu' ? 'onnxruntime' : 'tfjs';
  assert.deepEqual(defaults.forward, [{ model: 'custom', forward: autoForward, note: null }]);
  assert.match(run.stdout, new RegExp(`default configuration \\(robustness-lens check with no --backend/--forward\\): backend auto → ${defaults.backend}, forward auto → ${autoForward}`));

  assert.deepEqual(bench.results.map((r) => [r.backend, r.forwardChoice, r.forward]), [['wasm', 'onnxruntime', 'onnxruntime'], ['wasm', 'tfjs', 'tfjs']]);
  for (const r of bench.results) {
    checkConfiguration(r, [1, 2], 3, 6);
    assert.equal(r.isDefault, defaults.backend === 'wasm' && r.forward === autoForward);
  }
  if (defaults.backend === 'wasm') assert.match(run.stdout, /custom on wasm · forward onnxruntime {2}\[DEFAULT\]/);
  assert.doesNotMatch(run.stdout, /forward tfjs {2}\[DEFAULT\]/);
});

test('--forward auto on cpu names what auto chose; the cpu backend is not the default', () => {
  const out = join(work, 'out-cpu');
  const run = runBench([
    '--model', join(work, 'model', 'model.json'), '--data', join(work, 'data'),
    '--backends', 'cpu', '--forward', 'auto', '--images', '2', '--samples', '4', '--scales', '8', '--alphas', '10',
    '--workers', '1', '--min-seconds', '0.01', '--no-pytorch', '--out', out,
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /custom on cpu · forward auto → onnxruntime — /);
  const bench = readResults(out);
  assert.deepEqual(bench.settings.forwards, ['auto']);
  assert.deepEqual(bench.results.map((r) => [r.backend, r.forwardChoice, r.forward, r.isDefault]), [['cpu', 'auto', 'onnxruntime', bench.defaultConfiguration.backend === 'cpu']]);
  checkConfiguration(bench.results[0], [1], 2, 4);
});

test('bad arguments: exit 2 with a one-line reason', () => {
  const run = runBench(['--images', '0']);
  assert.equal(run.status, 2);
  assert.equal(run.stderr.trim(), 'bench: --images needs a positive integer, got 0');
  const unknown = runBench(['--models', 'mnist']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown model mnist \(one of demo, fashion-vgg, cifar-vgg, mobilenet-v2, or none\)/);
  const forward = runBench(['--forward', 'tfjs,onnx']);
  assert.equal(forward.status, 2);
  assert.equal(forward.stderr.trim(), 'bench: unknown forward engine onnx (one of auto, onnxruntime, tfjs)');
});
