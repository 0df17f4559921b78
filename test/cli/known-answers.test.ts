/**
 * Issue 2's known-answer tests, through the real product path: a linear classifier
 * p = sigmoid(w·x + b) saved as a real TF.js layers model, real PNG files, and the built command
 * line (dist/cli.js) with its worker processes. For such a model every number of the report has
 * a closed form (PROTOCOL.md "The theory"): ε* is the first grid step at or past the distance
 * h = |w·x + b|/‖w‖, the attack's L1/L∞ follow from w, and flips(α) is binomial with the cap
 * fraction P(h/(α·ε*), d).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { unitBallSamples, type ResidentRandomSet } from '../../src/engine/sampling';
import { capFraction } from '../../src/engine/theory';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { temporaryFolder } from '../run/helpers';
import {
  decodedPixels,
  dimensionOf,
  distanceOf,
  grayImageAtDistance,
  l1,
  l2,
  linf,
  logit,
  saveLinearModel,
  signOf,
  writeGrayPng,
  type LinearCase,
} from './linearCase';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const folder = temporaryFolder('known-answers');
const seed = 7;

interface Settings {
  maxEps: number;
  scales: number;
  alphas: number[];
  samples: number;
}

/** One image of a case: its class folder, gray pixels, and the distance they decode to. */
interface KnownImage {
  file: string;
  label: 0 | 1;
  gray: Uint8Array;
  distance: number;
}

interface Case {
  model: LinearCase;
  settings: Settings;
  data: string;
  modelPath: string;
  images: KnownImage[];
}

const classes = ['negative', 'positive'];

/**
 * Writes the case's model and its images (sorted by file name, as the report lists them).
 * Each image is `start` moved to `label`'s side at about `distance`; `folderLabel` (default:
 * the same) is the class folder it is filed under.
 */
async function writeCase(
  name: string,
  model: LinearCase,
  settings: Settings,
  specs: { label: 0 | 1; distance: number; start: Uint8Array; folderLabel?: 0 | 1 }[],
): Promise<Case> {
  const data = join(folder.path, name, 'data');
  const images = specs.map((spec, i) => {
    const gray = grayImageAtDistance(model, spec.start, spec.label, spec.distance);
    const label = spec.folderLabel ?? spec.label;
    const file = `${classes[label]}/${String(i).padStart(2, '0')}.png`;
    writeGrayPng(join(data, file), model, gray);
    return { file, label, gray, distance: distanceOf(model, gray) };
  });
  images.sort((a, b) => (a.file < b.file ? -1 : 1));
  const modelPath = await saveLinearModel(model, join(folder.path, name, 'model'));
  return { model, settings, data, modelPath, images };
}

/** d = 4: rates are far from 0 and 1, so the cap-fraction law is visible in the counts. */
const lowModel: LinearCase = { shape: [2, 2, 1], weights: [1.5, -0.75, 1.25, 0.5], bias: -1.25 };
const lowSettings: Settings = { maxEps: 0.5, scales: 32, alphas: [1, 1.5, 2, 5], samples: 4000 };

/** d = 2352 with ‖w‖ ≈ 600: every logit is ≥ 17 in size, so sigmoid(z) is 1.0 in float32. */
const highWeights = Array.from({ length: 28 * 28 * 3 }, (_, i) => signOf(i) * (8 + 2 * (i % 5)));
const highModel: LinearCase = {
  shape: [28, 28, 3],
  weights: highWeights,
  // Mid-gray images sit on the boundary, so small pixel moves reach any distance.
  bias: Math.fround((-highWeights.reduce((sum, w) => sum + w, 0) * 128) / 255),
};
const highSettings: Settings = { maxEps: 2, scales: 16, alphas: [1, 2, 10], samples: 2000 };

const lowStart = (a: number, b: number, c: number, d: number) => Uint8Array.from([a, b, c, d]);
const highStart = (shift: number) => Uint8Array.from({ length: 28 * 28 }, (_, p) => 98 + ((p * 37 + shift * 11) % 61));
/** Grid cell k's middle, k + ½ steps: far from both grid points around it. */
const midStep = (settings: Settings, k: number) => ((k + 0.5) * settings.maxEps) / settings.scales;

let low: Case;
let high: Case;

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  low = await writeCase('low', lowModel, lowSettings, [
    { label: 1, distance: midStep(lowSettings, 3), start: lowStart(128, 128, 128, 128) },
    { label: 1, distance: midStep(lowSettings, 8), start: lowStart(90, 170, 140, 110) },
    { label: 1, distance: midStep(lowSettings, 16), start: lowStart(200, 60, 100, 150) },
    { label: 1, distance: midStep(lowSettings, 25), start: lowStart(60, 200, 180, 90) },
    { label: 0, distance: midStep(lowSettings, 1), start: lowStart(90, 170, 140, 110) },
    { label: 0, distance: midStep(lowSettings, 7), start: lowStart(60, 200, 180, 90) },
    { label: 0, distance: midStep(lowSettings, 13), start: lowStart(90, 170, 140, 110) },
    { label: 0, distance: midStep(lowSettings, 21), start: lowStart(90, 170, 140, 110) },
    // Beyond maxEps: correct but not susceptible.
    { label: 0, distance: 0.7, start: lowStart(30, 220, 40, 40) },
    // Filed as positive, on the negative side: misclassified.
    { label: 0, distance: midStep(lowSettings, 5), start: lowStart(128, 128, 128, 128), folderLabel: 1 },
  ]);
  high = await writeCase('high', highModel, highSettings, [
    { label: 1, distance: 0.04, start: highStart(0) },
    { label: 1, distance: 0.06, start: highStart(1) },
    { label: 1, distance: 0.3, start: highStart(2) },
    { label: 0, distance: 0.05, start: highStart(3) },
    { label: 0, distance: 0.7, start: highStart(4) },
  ]);
});
after(() => folder.remove());

interface Run {
  status: number | null;
  stderr: string;
  report: Report;
}

let outCount = 0;
function runCli(c: Case, ...extra: string[]): Run {
  const out = join(folder.path, `out${outCount++}`);
  const s = c.settings;
  const args = ['check', '--model', c.modelPath, '--data', c.data, '--out', out, '--seed', String(seed)];
  args.push('--max-eps', String(s.maxEps), '--scales', String(s.scales), '--alphas', s.alphas.join(','), '--samples', String(s.samples));
  const result = spawnSync(process.execPath, [cli, ...args, ...extra], { cwd: folder.path, encoding: 'utf8' });
  const report = result.status === 0 ? (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report) : (null as unknown as Report);
  return { status: result.status, stderr: result.stderr, report };
}

/** Runs are shared between tests: each distinct command line runs once. */
const runs = new Map<string, Run>();
function run(c: Case, ...extra: string[]): Run {
  const key = [c === low ? 'low' : 'high', ...extra].join(' ');
  let result = runs.get(key);
  if (!result) {
    result = runCli(c, ...extra);
    runs.set(key, result);
  }
  return result;
}

function succeeded(result: Run): Report {
  assert.equal(result.status, 0, result.stderr);
  return result.report;
}

function assertClose(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual}, expected ${expected} (relative ${relative})`);
}

/** The grid step ε_k = k·maxEps/scales with the smallest k whose ε_k ≥ h, or null past maxEps. */
function expectedEps(settings: Settings, distance: number): number | null {
  const k = Math.ceil((distance * settings.scales) / settings.maxEps);
  return k > settings.scales ? null : (k * settings.maxEps) / settings.scales;
}

/** The binary class the model gives x: p > 0.5, i.e. w·x + b > 0. */
const classOf = (c: Case, image: KnownImage) => (logit(c.model, decodedPixels(c.model, image.gray)) > 0 ? 1 : 0);

/**
 * flips(α) recomputed in float64 from the run's own seeded set: the samples whose perturbed
 * logit is clearly on the other side (`certain`), and those too close to the boundary for float32
 * to decide (`undecided`); the smallest certain flip's L2 when nothing is undecided.
 */
function recomputedFlips(c: Case, image: KnownImage, radius: number, set: ResidentRandomSet) {
  const x = decodedPixels(c.model, image.gray);
  const w = c.model.weights;
  const d = set.dimension;
  const r = Math.fround(radius);
  let certain = 0;
  let undecided = 0;
  let smallest = Infinity;
  for (let j = 0; j < set.count; j++) {
    let z = c.model.bias;
    let magnitude = Math.abs(c.model.bias);
    for (let i = 0; i < d; i++) {
      const step = r * set.directions[j * d + i];
      z += w[i] * (x[i] + step);
      magnitude += Math.abs(w[i]) * (Math.abs(x[i]) + Math.abs(step));
    }
    // Bounds float32's rounding error in x + r·u and in the dot product (about d + 2 roundings).
    const float32Error = (d + 4) * 2 ** -23 * magnitude;
    if (Math.abs(z) <= float32Error) undecided++;
    else if ((z > 0 ? 1 : 0) !== image.label) {
      certain++;
      smallest = Math.min(smallest, radius * set.l2[j]);
    }
  }
  return { certain, undecided, smallestL2: undecided === 0 && certain > 0 ? smallest : null };
}

/** Binomial(N, P) with P the cap fraction: within 5σ (plus one count for P near 0). */
function assertBinomial(flips: number, samples: number, p: number, what: string): void {
  const mean = samples * p;
  const sigma = Math.sqrt(samples * p * (1 - p));
  assert.ok(Math.abs(flips - mean) <= 5 * sigma + 1, `${what}: ${flips} flips, expected ${mean.toFixed(2)} ± ${sigma.toFixed(2)} (N·P(h/(α·ε*), d))`);
}

/** Every image of the report against its closed-form answer. */
function assertKnownImages(c: Case, report: Report): void {
  const { model, settings } = c;
  const d = dimensionOf(model);
  const wNorm = l2(model.weights);
  const set = unitBallSamples(settings.samples, d, seed);
  assert.deepEqual(report.images.map((image) => image.file), c.images.map((image) => image.file));
  c.images.forEach((known, index) => {
    const record = report.images[index];
    const where = `${known.file} (h = ${known.distance})`;
    assert.equal(record.label, known.label, where);
    assert.equal(record.predicted, classOf(c, known), where);
    assert.equal(record.correct, record.predicted === known.label, where);
    const eps = record.correct ? expectedEps(settings, known.distance) : null;
    if (eps === null) {
      assert.equal(record.adversarial, null, where);
      assert.deepEqual(record.random, [], where);
      if (record.correct) assert.equal(record.reason, `no flip within maxEps=${settings.maxEps}`, where);
      return;
    }
    const adversarial = record.adversarial;
    assert.ok(adversarial, `${where}: expected ε* = ${eps}, got no adversarial result (${record.reason})`);
    assert.equal(adversarial.eps, eps, where);
    assert.equal(adversarial.l2, eps, where);
    assertClose(adversarial.l1, (eps * l1(model.weights)) / wNorm, 1e-5, `${where} L1`);
    assertClose(adversarial.linf, (eps * linf(model.weights)) / wNorm, 1e-5, `${where} L∞`);
    assert.equal(adversarial.loss, 'logit', where);
    assert.deepEqual(record.random.map((entry) => entry.alpha), settings.alphas, where);
    for (const entry of record.random) {
      const at = `${where} α=${entry.alpha}`;
      const radius = entry.alpha * eps;
      assert.equal(entry.samples, settings.samples, at);
      assertBinomial(entry.flips, settings.samples, capFraction(known.distance / radius, d), at);
      const exact = recomputedFlips(c, known, radius, set);
      assert.ok(entry.flips >= exact.certain && entry.flips <= exact.certain + exact.undecided, `${at}: ${entry.flips} flips, recomputed ${exact.certain} (+${exact.undecided} undecided)`);
      if (entry.flips === 0) {
        assert.equal(entry.minFlip, null, at);
        continue;
      }
      assert.ok(entry.minFlip, at);
      // No perturbation shorter than the distance reaches the hyperplane; none is longer than the radius.
      assert.ok(entry.minFlip.l2 >= known.distance * (1 - 1e-6) && entry.minFlip.l2 <= radius * (1 + 1e-6), `${at}: minFlip.l2 ${entry.minFlip.l2} not in [h, α·ε*]`);
      assert.ok(entry.minFlip.linf <= entry.minFlip.l2 && entry.minFlip.l2 <= entry.minFlip.l1, at);
      if (exact.smallestL2 !== null) assertClose(entry.minFlip.l2, exact.smallestL2, 1e-6, `${at} minFlip.l2`);
    }
  });
}

const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Table 1 from the known answers: counts from the images, ε* statistics from the distances. */
function assertKnownSummary(c: Case, report: Report): void {
  const { settings, model } = c;
  const correct = c.images.filter((image) => classOf(c, image) === image.label);
  const epsilons = correct.map((image) => expectedEps(settings, image.distance)).filter((eps): eps is number => eps !== null);
  const summary = report.summary;
  assert.equal(summary.images, c.images.length);
  assert.equal(summary.correct, correct.length);
  assert.equal(summary.accuracy, correct.length / c.images.length);
  assert.equal(summary.adversarial.susceptible, epsilons.length);
  assert.equal(summary.adversarial.rate, epsilons.length / correct.length);
  for (const [stat, expected] of [['mean', mean(epsilons)], ['std', std(epsilons)], ['median', median(epsilons)]] as const) {
    assertClose(summary.adversarial.l2[stat], expected, 1e-12, `summary l2 ${stat}`);
    assertClose(summary.adversarial.l1[stat], (expected * l1(model.weights)) / l2(model.weights), 1e-5, `summary l1 ${stat}`);
    assertClose(summary.adversarial.linf[stat], (expected * linf(model.weights)) / l2(model.weights), 1e-5, `summary linf ${stat}`);
  }
  const susceptible = report.images.filter((image) => image.adversarial !== null);
  assert.deepEqual(
    summary.random,
    settings.alphas.map((alpha) => {
      const results = susceptible.map((image) => image.random.find((entry) => entry.alpha === alpha)!);
      const randomSusceptible = results.filter((entry) => entry.flips >= 1).length;
      const flips = results.reduce((sum, entry) => sum + entry.flips, 0);
      return { alpha, susceptible: randomSusceptible, rate: randomSusceptible / susceptible.length, flips, trials: susceptible.length * settings.samples };
    }),
  );
}

function assertConfig(c: Case, report: Report, backend: string): void {
  assert.equal(report.status, 'complete');
  assert.deepEqual(report.config.inputShape, c.model.shape);
  assert.equal(report.config.dimension, dimensionOf(c.model));
  assert.deepEqual(report.config.classes, classes);
  assert.equal(report.config.backend, backend);
  assert.equal(report.config.forward, 'onnxruntime', "--forward auto runs this model's forward passes on ONNX Runtime");
  assert.equal(report.config.attack, 'fgm-line');
  assert.equal(report.config.seed, seed);
}

describe('known answers: a linear classifier in low dimension (d = 4)', () => {
  it('the test images are what they claim: both sides, every case, no distance near a grid point', () => {
    const step = lowSettings.maxEps / lowSettings.scales;
    for (const image of low.images) {
      const cells = image.distance / step;
      assert.ok(Math.abs(cells - Math.round(cells)) > 0.1, `${image.file}: h = ${image.distance} is within 0.1 step of a grid point`);
    }
    const correct = low.images.filter((image) => classOf(low, image) === image.label);
    assert.equal(correct.length, low.images.length - 1, 'one misclassified image');
    assert.equal(correct.filter((image) => expectedEps(lowSettings, image.distance) === null).length, 1, 'one image beyond maxEps');
    assert.deepEqual(new Set(correct.map((image) => image.label)), new Set([0, 1]));
  });

  it('reports ε*, its norms and the flip counts the geometry dictates (wasm, 2 workers)', () => {
    const report = succeeded(run(low, '--backend', 'wasm', '--workers', '2'));
    assertConfig(low, report, 'wasm');
    assertKnownImages(low, report);
  });

  it('summarises the images as Table 1 does', () => {
    assertKnownSummary(low, succeeded(run(low, '--backend', 'wasm', '--workers', '2')));
  });

  it('gives the same images with one worker as with two (same seed)', () => {
    const two = succeeded(run(low, '--backend', 'wasm', '--workers', '2'));
    const one = succeeded(run(low, '--backend', 'wasm', '--workers', '1'));
    assert.deepEqual(one.images, two.images);
    assert.deepEqual(one.summary, two.summary);
  });

  it('gives the same answers on the cpu backend as on wasm', () => {
    const wasm = succeeded(run(low, '--backend', 'wasm', '--workers', '2'));
    const cpu = succeeded(run(low, '--backend', 'cpu', '--workers', '2'));
    assertConfig(low, cpu, 'cpu');
    assertKnownImages(low, cpu);
    cpu.images.forEach((image, index) => compareAcrossBackends(image, wasm.images[index]));
  });

  it('fails with a one-line install hint for the TensorFlow backend when tfjs-node is absent', (t) => {
    const result = run(low, '--backend', 'tensorflow', '--workers', '1');
    if (result.status === 0) {
      t.skip('@tensorflow/tfjs-node loads here: the missing-backend message cannot be checked');
      return;
    }
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `stderr should be one line:\n${result.stderr}`);
    assert.match(lines[0], /\bnpm (i|install)\b[^\n]*@tensorflow\/tfjs-node\b/);
  });
});

/** Same image on two backends: identical classes, ε* and flips; norms equal to float rounding. */
function compareAcrossBackends(a: ImageRecord, b: ImageRecord): void {
  const where = a.file;
  assert.equal(a.file, b.file);
  assert.equal(a.predicted, b.predicted, where);
  assert.equal(a.correct, b.correct, where);
  assert.equal(a.reason, b.reason, where);
  assert.equal(a.adversarial === null, b.adversarial === null, where);
  if (a.adversarial && b.adversarial) {
    assert.equal(a.adversarial.eps, b.adversarial.eps, where);
    assert.equal(a.adversarial.loss, b.adversarial.loss, where);
    for (const norm of ['l2', 'l1', 'linf'] as const) assertClose(a.adversarial[norm], b.adversarial[norm], 1e-6, `${where} ${norm}`);
  }
  assert.equal(a.random.length, b.random.length, where);
  a.random.forEach((entry, i) => {
    const other = b.random[i];
    assert.equal(entry.alpha, other.alpha, where);
    assert.equal(entry.flips, other.flips, `${where} α=${entry.alpha}`);
    assert.equal(entry.minFlip === null, other.minFlip === null, where);
    if (entry.minFlip && other.minFlip) {
      for (const norm of ['l2', 'l1', 'linf'] as const) assertClose(entry.minFlip[norm], other.minFlip[norm], 1e-6, `${where} α=${entry.alpha} minFlip ${norm}`);
    }
  });
}

describe('known answers: a saturated sigmoid in high dimension (d = 2352)', () => {
  it('the test images are what they claim: saturated logits, no distance near a grid point', () => {
    const step = highSettings.maxEps / highSettings.scales;
    for (const image of high.images) {
      const z = logit(highModel, decodedPixels(highModel, image.gray));
      assert.ok(Math.abs(z) > 17.5, `${image.file}: logit ${z} does not saturate float32's sigmoid`);
      assert.equal(classOf(high, image), image.label, image.file);
      const cells = image.distance / step;
      assert.ok(Math.abs(cells - Math.round(cells)) > 0.1, `${image.file}: h = ${image.distance} is within 0.1 step of a grid point`);
    }
  });

  it('finds ε* through the logit although p is 1.0, and random flips follow the cap fraction (≈ 0 at α = 1, 2)', () => {
    const report = succeeded(run(high, '--backend', 'wasm', '--workers', '2'));
    assertConfig(high, report, 'wasm');
    for (const record of report.images.filter((image) => image.label === 1)) {
      assert.equal(record.probabilities?.[1], 1, `${record.file}: p should round to 1.0 in float32`);
    }
    assertKnownImages(high, report);
    assertKnownSummary(high, report);
    const d = dimensionOf(highModel);
    let visible = 0;
    high.images.forEach((known, index) => {
      const record = report.images[index];
      const eps = record.adversarial!.eps;
      for (const entry of record.random) {
        const expected = entry.samples * capFraction(known.distance / (entry.alpha * eps), d);
        if (entry.alpha <= 2) {
          assert.ok(expected < 0.01, `${known.file} α=${entry.alpha}: N·P = ${expected}`);
          assert.equal(entry.flips, 0, `${known.file} α=${entry.alpha}`);
        } else if (expected > 10) visible++;
      }
    });
    assert.ok(visible >= 3, 'α = 10 gives visible rates on several images (the binomial check has teeth)');
  });
});
