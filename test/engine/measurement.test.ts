import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseImage, type MeasurementSettings } from '../../src/engine/measurement';
import { SeededRandom } from '../../src/engine/rng';
import { unitBallSamples, unitBallSamplesWithin } from '../../src/engine/sampling';
import { capFraction } from '../../src/engine/theory';
import type { Stage } from '../../src/protocol/messages';
import { LinearClassifier, linearProblem } from './linear-classifier';

const settings: MeasurementSettings = { attack: 'fgm-line', scales: 256, maxEps: 10, alphas: [1, 2, 5, 10], clip: false, batchSize: 500 };
const step = settings.maxEps / settings.scales;

test('a correct, susceptible image: attack, then random perturbations at α·ε*', async () => {
  const { classifier, x } = linearProblem(4, 0.5, 1, new SeededRandom(40));
  const set = unitBallSamples(1000, 4, 41);
  const stages: Stage[] = [];
  const result = await analyseImage(classifier, x, 1, settings, set, (stage) => stages.push(stage));
  assert.deepEqual(stages, ['gradient', 'line-search', 'random']);
  assert.equal(result.predicted, 1);
  assert.equal(result.correct, true);
  assert.equal(result.reason, undefined);
  assert.equal(result.probabilities.length, 2);
  assert.ok(result.probabilities[1] > 0.5);
  assert.ok(result.adversarial);
  assert.equal(result.adversarial.eps, Math.ceil(classifier.distance(x) / step) * step);
  assert.equal(result.adversarial.l2, result.adversarial.eps);
  assert.equal(result.adversarial.loss, 'logit');
  assert.ok(result.direction instanceof Float32Array);
  assert.deepEqual(result.random.map((r) => [r.alpha, r.samples]), settings.alphas.map((alpha) => [alpha, 1000]));
  assert.ok(result.random[3].flips > 0 && result.random[3].minFlip !== null);
});

test('a misclassified image is neither attacked nor perturbed', async () => {
  const { classifier, x } = linearProblem(4, 0.5, 0, new SeededRandom(42));
  const stages: Stage[] = [];
  const result = await analyseImage(classifier, x, 1, settings, unitBallSamples(10, 4, 0), (stage) => stages.push(stage));
  assert.deepEqual(result, {
    predicted: 0,
    correct: false,
    probabilities: result.probabilities,
    adversarial: null,
    random: [],
    direction: null,
  });
  assert.equal(classifier.gradientCalls, 0);
  assert.equal(classifier.perturbedCalls.length, 0);
  assert.deepEqual(stages, []);
});

test('a correct image out of reach or without gradient gets a reason and no random perturbations', async () => {
  const far = linearProblem(4, 15, 0, new SeededRandom(43));
  const stages: Stage[] = [];
  const outOfReach = await analyseImage(far.classifier, far.x, 0, settings, unitBallSamples(10, 4, 0), (s) => stages.push(s));
  assert.equal(outOfReach.correct, true);
  assert.equal(outOfReach.adversarial, null);
  assert.deepEqual(outOfReach.random, []);
  assert.equal(outOfReach.reason, 'no flip within maxEps=10');
  assert.deepEqual(stages, ['gradient', 'line-search']);

  const flat = new LinearClassifier([0, 0, 0, 0], -2);
  const saturated = await analyseImage(flat, new Float32Array(4), 0, settings, unitBallSamples(10, 4, 0));
  assert.equal(saturated.reason, 'zero gradient (saturated output)');
  assert.deepEqual(saturated.random, []);
  assert.equal(saturated.direction, null);
});

test('high dimension (28·28·3), saturated output: the gradient finds ε*, random perturbations find nothing', async () => {
  const dimension = 784 * 3;
  const count = 2000;
  // ‖w‖ = 40/1.5 and logit 40: sigmoid(40) is exactly 1 in float32, the hyperplane is 1.5 away.
  const { classifier, x } = linearProblem(dimension, 1.5, 1, new SeededRandom(44), 40 / 1.5);
  const probabilities = await classifier.probabilities(x);
  assert.deepEqual(Array.from(probabilities), [0, 1]);
  const set = unitBallSamples(count, dimension, 45);
  const result = await analyseImage(classifier, x, 1, settings, set);
  assert.ok(result.adversarial, result.reason);
  const exact = classifier.distance(x);
  assert.equal(result.adversarial.eps, Math.ceil(exact / step) * step);
  for (const random of result.random) {
    const p = capFraction(exact / (random.alpha * result.adversarial.eps), dimension);
    assert.ok(count * p < 0.01, `α=${random.alpha}: the theory expects ${count * p} flips`);
    assert.ok(random.flips <= 5 * Math.sqrt(count * p) + 1, `α=${random.alpha}: ${random.flips} flips`);
    assert.equal(random.minFlip === null, random.flips === 0);
  }
});

test('clipping reaches every forward pass', async () => {
  const { classifier, x } = linearProblem(3, 0.2, 1, new SeededRandom(46));
  await analyseImage(classifier, x, 1, { ...settings, clip: true, alphas: [2] }, unitBallSamples(50, 3, 0));
  assert.ok(classifier.perturbedCalls.length > 0);
  assert.ok(classifier.perturbedCalls.every((call) => call.clip));
});

test('the same records whether the random set is resident or regenerated', async () => {
  for (const [dimension, clip] of [[5, false], [5, true], [48, false]] as const) {
    const { classifier, x } = linearProblem(dimension, 0.3, 1, new SeededRandom(47 + dimension));
    const samples = 700;
    const memory = (budgetBytes: number) => ({ budgetBytes, chunkRows: 96 });
    const large = unitBallSamplesWithin(samples, dimension, 48, memory(64 * 1024 * 1024));
    const tiny = unitBallSamplesWithin(samples, dimension, 48, memory(1024));
    assert.deepEqual([large.resident, tiny.resident], [true, false]);
    const protocol = { ...settings, clip, batchSize: 128 };
    const expected = await analyseImage(classifier, x, 1, protocol, large);
    const other = new LinearClassifier(classifier.weights, classifier.bias);
    assert.deepEqual(await analyseImage(other, x, 1, protocol, tiny), expected, `d=${dimension}, clip ${clip}`);
    assert.ok(expected.adversarial, 'the image is attacked');
    assert.ok(expected.random.some((r) => r.flips > 0 && r.minFlip !== null), `d=${dimension}: some α flips rows`);
  }
});

test('refuses a bad label, a wrong image size and an unknown attack', async () => {
  const classifier = new LinearClassifier([1, 1], 0);
  const x = Float32Array.from([0.5, 0.5]);
  const set = unitBallSamples(5, 2, 0);
  await assert.rejects(analyseImage(classifier, x, 2, settings, set), /label 2 is not a class index of a 2-class model/);
  await assert.rejects(analyseImage(classifier, x, 0.5, settings, set), /label 0.5/);
  await assert.rejects(analyseImage(classifier, new Float32Array(3), 1, settings, set), /image has 3 values, the model expects 2/);
  await assert.rejects(analyseImage(classifier, x, 1, { ...settings, attack: 'nope' }, set), /unknown attack "nope"/);
});
