import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomFlips } from '../../src/engine/random-flips';
import { SeededRandom } from '../../src/engine/rng';
import { unitBallSamples, unitBallSamplesWithin, type RandomSet, type ResidentRandomSet } from '../../src/engine/sampling';
import { capFraction } from '../../src/engine/theory';
import { clippedPerturbationNorms } from '../../src/engine/norms';
import type { Norms } from '../../src/protocol/report';
import { LinearClassifier, linearProblem } from './linear-classifier';

const alphas = [1, 2, 5, 10];
const step = 10 / 256;

function firstGridStepPast(distance: number): number {
  return Math.ceil(distance / step) * step;
}

function row(set: ResidentRandomSet, j: number): Float32Array {
  return set.directions.subarray(j * set.dimension, (j + 1) * set.dimension);
}

/** Within `sigmas` binomial standard deviations (+1 count for discreteness). */
function assertBinomial(observed: number, trials: number, p: number, sigmas: number, what: string): void {
  const expected = trials * p;
  const slack = sigmas * Math.sqrt(trials * p * (1 - p)) + 1;
  assert.ok(Math.abs(observed - expected) <= slack, `${what}: observed ${observed}, expected ${expected.toFixed(2)} ± ${slack.toFixed(2)}`);
}

/** Which rows flip a linear model, and the smallest flipping perturbation, straight from the set. */
function bruteForce(classifier: LinearClassifier, x: Float32Array, label: number, radius: number, set: ResidentRandomSet, clip: boolean) {
  let flips = 0;
  let minFlip: Norms | null = null;
  for (let j = 0; j < set.count; j++) {
    const u = row(set, j);
    const perturbed = Array.from(x, (xi, i) => {
      const value = xi + Math.fround(radius) * u[i];
      return clip ? Math.min(1, Math.max(0, value)) : value;
    });
    if ((classifier.logit(perturbed) > 0 ? 1 : 0) === label) continue;
    flips++;
    const candidate = clip
      ? clippedPerturbationNorms(x, u, radius)
      : { l2: radius * set.l2[j], l1: radius * set.l1[j], linf: radius * set.linf[j] };
    if (minFlip === null || candidate.l2 < minFlip.l2) minFlip = candidate;
  }
  return { flips, minFlip };
}

test('flip counts per α match N·capFraction(dist/(α ε*), d) in low dimension', async () => {
  const count = 2000;
  let visible = 0;
  for (const [dimension, distance, label] of [[2, 0.33, 1], [3, 0.6, 0], [8, 0.47, 1], [20, 0.81, 0]] as const) {
    const { classifier, x } = linearProblem(dimension, distance, label, new SeededRandom(30 + dimension));
    const set = unitBallSamples(count, dimension, 100 + dimension);
    const exact = classifier.distance(x);
    const eps = firstGridStepPast(exact);
    const results = await randomFlips(classifier, x, label, eps, alphas, set, { clip: false, batchSize: 500 });
    assert.deepEqual(results.map((r) => r.alpha), alphas);
    for (const result of results) {
      const p = capFraction(exact / (result.alpha * eps), dimension);
      if (p * count > 20) visible++;
      assert.equal(result.samples, count);
      assertBinomial(result.flips, count, p, 5, `d=${dimension} α=${result.alpha}`);
    }
  }
  assert.ok(visible >= 8, 'the low-dimensional cases must show clearly visible rates');
});

test('flips and the smallest flipping perturbation equal a brute-force count', async () => {
  const { classifier, x } = linearProblem(6, 0.4, 1, new SeededRandom(31));
  const set = unitBallSamples(300, 6, 32);
  const eps = firstGridStepPast(classifier.distance(x));
  const results = await randomFlips(classifier, x, 1, eps, alphas, set, { clip: false, batchSize: 64 });
  for (const result of results) {
    const expected = bruteForce(classifier, x, 1, result.alpha * eps, set, false);
    assert.equal(result.flips, expected.flips, `α=${result.alpha}`);
    assert.deepEqual(result.minFlip, expected.minFlip, `α=${result.alpha}`);
  }
  assert.ok(results.some((r) => r.flips > 0) && results[0].minFlip === null);
});

test('with clipping the smallest flip is measured on the clipped perturbation', async () => {
  const classifier = new LinearClassifier([1, 1, 0.2, -0.4], -1.9);
  const x = Float32Array.from([0.97, 0.8, 0.02, 0.5]); // logit −0.33, class 0, near the cube's corner
  const set = unitBallSamples(400, 4, 33);
  const eps = firstGridStepPast(classifier.distance(x));
  const results = await randomFlips(classifier, x, 0, eps, alphas, set, { clip: true, batchSize: 128 });
  let clippedShorter = false;
  for (const result of results) {
    const expected = bruteForce(classifier, x, 0, result.alpha * eps, set, true);
    assert.equal(result.flips, expected.flips, `α=${result.alpha}`);
    assert.deepEqual(result.minFlip, expected.minFlip, `α=${result.alpha}`);
    if (result.minFlip) {
      const unclipped = bruteForce(classifier, x, 0, result.alpha * eps, set, false);
      if (unclipped.minFlip && result.minFlip.l2 < unclipped.minFlip.l2 - 1e-9) clippedShorter = true;
    }
  }
  assert.ok(results.every((r) => r.samples === 400));
  assert.ok(clippedShorter, 'clipping must shorten some flipping perturbation in this setup');
  assert.ok(classifier.perturbedCalls.every((call) => call.clip));
});

test('the batch size changes nothing but the calls; chunk views are reused by identity', async () => {
  const random = new SeededRandom(34);
  const first = linearProblem(5, 0.3, 1, random);
  const set = unitBallSamples(1000, 5, 35);
  const eps = firstGridStepPast(first.classifier.distance(first.x));
  const whole = await randomFlips(first.classifier, first.x, 1, eps, alphas, set, { clip: false, batchSize: 5000 });
  const other = new LinearClassifier(first.classifier.weights, first.classifier.bias);
  const chunked = await randomFlips(other, first.x, 1, eps, alphas, set, { clip: false, batchSize: 300 });
  assert.deepEqual(chunked, whole);
  assert.equal(first.classifier.perturbedCalls.length, alphas.length);

  // A second image on the same set and batch size gets the very same chunk objects.
  await randomFlips(other, Float32Array.from(first.x, (v) => v * 0.9), 1, eps, [3], set, { clip: false, batchSize: 300 });
  const distinct = new Set(other.perturbedCalls.map((call) => call.directions));
  assert.equal(distinct.size, 4); // 300 + 300 + 300 + 100 rows
  assert.equal(other.perturbedCalls.length, 4 * (alphas.length + 1));
  for (const call of other.perturbedCalls) {
    assert.equal(call.directions.buffer, set.directions.buffer);
    assert.equal(call.directionCount * 5, call.directions.length);
    assert.ok(call.multipliers.every((s) => s === call.multipliers[0]));
  }
});

/** Counts the rows each `rows` call hands out. */
function countingRows(set: RandomSet): { set: RandomSet; drawn: number[] } {
  const drawn: number[] = [];
  const counted = Object.create(set) as RandomSet;
  counted.rows = (start, count) => {
    drawn.push(count);
    return set.rows(start, count);
  };
  return { set: counted, drawn };
}

test('a regenerated set gives the same results, drawing each row once per image', async () => {
  for (const clip of [false, true]) {
    const { classifier, x } = linearProblem(7, 0.35, 1, new SeededRandom(36));
    const resident = unitBallSamples(500, 7, 37);
    const eps = firstGridStepPast(classifier.distance(x));
    const expected = await randomFlips(classifier, x, 1, eps, alphas, resident, { clip, batchSize: 64 });
    assert.ok(expected[3].flips > 0 && expected[3].minFlip !== null, 'α=10 flips some rows');
    // Chunks of 48 rows while the flips go 64 at a time: ranges straddle the saved chunk starts.
    for (const chunkRows of [64, 48]) {
      const regenerated = unitBallSamplesWithin(500, 7, 37, { budgetBytes: 1000, chunkRows });
      assert.equal(regenerated.resident, false);
      const counting = countingRows(regenerated);
      const other = new LinearClassifier(classifier.weights, classifier.bias);
      assert.deepEqual(await randomFlips(other, x, 1, eps, alphas, counting.set, { clip, batchSize: 64 }), expected, `clip ${clip}, chunks of ${chunkRows}`);
      assert.equal(counting.drawn.reduce((a, b) => a + b, 0), 500, 'every row drawn once for all α');
      assert.equal(other.perturbedCalls.length, 8 * alphas.length);
    }
  }
});

test('refuses mismatched dimensions and bad options', async () => {
  const classifier = new LinearClassifier([1, 2, 3], 0.1);
  const x = Float32Array.from([0.1, 0.2, 0.3]);
  const set = unitBallSamples(10, 3, 0);
  await assert.rejects(randomFlips(classifier, x, 1, 0.5, [1], unitBallSamples(10, 4, 0), { clip: false, batchSize: 4 }), /random set has dimension 4, the model expects 3/);
  await assert.rejects(randomFlips(classifier, x, 1, 0.5, [1], set, { clip: false, batchSize: 0 }), /batchSize must be a positive integer/);
  await assert.rejects(randomFlips(classifier, x, 1, 0, [1], set, { clip: false, batchSize: 4 }), /eps must be a positive number/);
  await assert.rejects(randomFlips(classifier, x, 1, 0.5, [-1], set, { clip: false, batchSize: 4 }), /alpha must be a positive number/);
});
