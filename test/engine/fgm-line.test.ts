import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackByName, attacks, FgmLineAttack } from '../../src/engine/attacks/index';
import { clippedPerturbationNorms } from '../../src/engine/norms';
import { SeededRandom } from '../../src/engine/rng';
import { LinearClassifier, linearProblem } from './linear-classifier';

const settings = { scales: 256, maxEps: 10, clip: false };
const step = settings.maxEps / settings.scales;

function assertClose(actual: number, expected: number, relative: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what} ${actual} vs ${expected}`);
}

/** The first grid step at or past `distance`; refuses distances too near a grid point to tell. */
function firstGridStepPast(distance: number): number {
  const steps = distance / step;
  const fraction = steps - Math.floor(steps);
  assert.ok(fraction > 0.05 && fraction < 0.95, 'test distance too close to a grid step');
  return Math.ceil(steps) * step;
}

test('on a linear model ε* is the first grid step past the distance, along the normal', async () => {
  const random = new SeededRandom(21);
  for (const [dimension, distance, label] of [[2, 0.33, 1], [20, 1.2345, 0], [2352, 2.71, 1], [7, 9.98, 0]] as const) {
    const { classifier, x } = linearProblem(dimension, distance, label, random, 3);
    const outcome = await new FgmLineAttack().run(classifier, x, label, settings);
    assert.ok(outcome.found, `d=${dimension}`);
    const expectedEps = firstGridStepPast(classifier.distance(x));
    assertClose(outcome.eps, expectedEps, 1e-12, 'eps');
    assert.equal(outcome.loss, 'logit');
    const w = classifier.weights;
    const l2w = Math.sqrt(w.reduce((sum, value) => sum + value * value, 0));
    const l1w = w.reduce((sum, value) => sum + Math.abs(value), 0);
    const linfw = w.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
    // The direction is ∓w/‖w‖ (towards the other class).
    const sign = label === 1 ? -1 : 1;
    outcome.direction.forEach((v, i) => assert.ok(Math.abs(v - (sign * w[i]) / l2w) < 1e-6));
    assert.equal(outcome.perturbation.l2, outcome.eps);
    assertClose(outcome.perturbation.l1, (expectedEps * l1w) / l2w, 1e-6, 'l1');
    assertClose(outcome.perturbation.linf, (expectedEps * linfw) / l2w, 1e-6, 'linf');
  }
});

test('chunked line search gives the full scan’s ε* and stops at the first flipping chunk', async () => {
  const { classifier, x } = linearProblem(10, 4.08, 1, new SeededRandom(22));
  const expectedStep = Math.round(firstGridStepPast(classifier.distance(x)) / step);
  assert.equal(expectedStep, 105);
  for (const chunk of [1, 7, 32, 100, 256, 1000]) {
    classifier.perturbedCalls.length = 0;
    const outcome = await new FgmLineAttack().run(classifier, x, 1, { ...settings, lineSearchChunk: chunk });
    assert.ok(outcome.found);
    assertClose(outcome.eps, expectedStep * step, 1e-12, `chunk ${chunk}`);
    assert.equal(classifier.perturbedCalls.length, Math.ceil(expectedStep / chunk), `chunk ${chunk}`);
    const evaluated = classifier.perturbedCalls.flatMap((call) => Array.from(call.multipliers));
    assert.deepEqual(evaluated, Array.from({ length: evaluated.length }, (_, k) => Math.fround(((k + 1) * 10) / 256)));
    assert.ok(classifier.perturbedCalls.every((call) => call.directionCount === 1 && call.directions === outcome.direction));
  }
});

test('a zero gradient means not susceptible, with the reason', async () => {
  const classifier = new LinearClassifier([0, 0, 0], 5);
  const outcome = await attackByName('fgm-line').run(classifier, Float32Array.from([0.1, 0.2, 0.3]), 1, settings);
  assert.deepEqual(outcome, { found: false, reason: 'zero gradient (saturated output)', loss: null, direction: null });
  assert.equal(classifier.perturbedCalls.length, 0);
});

test('no flip within maxEps means not susceptible, with the reason and the direction', async () => {
  const { classifier, x } = linearProblem(5, 12.3, 0, new SeededRandom(23));
  const outcome = await new FgmLineAttack().run(classifier, x, 0, settings);
  assert.equal(outcome.found, false);
  assert.equal(outcome.found ? '' : outcome.reason, 'no flip within maxEps=10');
  assert.equal(outcome.loss, 'logit');
  assert.ok(outcome.direction instanceof Float32Array && outcome.direction.length === 5);
  assert.equal(classifier.perturbedCalls.reduce((sum, call) => sum + call.multipliers.length, 0), 256);
});

test('with clipping ε* and the norms are those of the clipped perturbation', async () => {
  // x sits near the top of [0,1] in coordinate 0, so a step along +e₀ is clipped away.
  const classifier = new LinearClassifier([1, 0.5], -1.2);
  const x = Float32Array.from([0.95, 0.3]); // logit −0.1: class 0; distance 0.1/‖w‖ ≈ 0.0894
  const unclipped = await new FgmLineAttack().run(classifier, x, 0, settings);
  const clipped = await new FgmLineAttack().run(classifier, x, 0, { ...settings, clip: true });
  assert.ok(unclipped.found && clipped.found);
  // Brute force: the first k whose clipped image crosses the hyperplane.
  const v = clipped.direction;
  let k = 1;
  while (classifier.logit(x.map((xi, i) => Math.min(1, Math.max(0, xi + Math.fround(k * step) * v[i])))) <= 0) k++;
  assertClose(clipped.eps, k * step, 1e-12, 'clipped eps');
  assert.ok(clipped.eps > unclipped.eps);
  const expected = clippedPerturbationNorms(x, v, clipped.eps);
  assert.deepEqual(clipped.perturbation, expected);
  // Coordinate 0 can only move 0.05 (to 1), so coordinate 1 must cover the rest: ε > 0.2236.
  assertClose(clipped.eps, 6 * step, 1e-12, 'clipped eps by hand');
  assertClose(clipped.perturbation.linf, clipped.eps * v[1], 1e-6, 'clipped linf');
  assertClose(clipped.perturbation.l1, 0.05 + clipped.eps * v[1], 1e-6, 'clipped l1');
  assert.ok(clipped.perturbation.l2 < clipped.eps);
});

test('the registry knows fgm-line and refuses other names and bad settings', async () => {
  assert.equal(attacks['fgm-line'].name, 'fgm-line');
  assert.equal(attackByName('fgm-line'), attacks['fgm-line']);
  assert.throws(() => attackByName('pgd'), /^Error: unknown attack "pgd" \(known: fgm-line, deepfool, ddn, fmn, best\)$/);
  assert.throws(() => attackByName('toString'), /unknown attack/);
  const classifier = new LinearClassifier([1, 1], 0.5);
  const x = Float32Array.from([0.5, 0.5]);
  await assert.rejects(new FgmLineAttack().run(classifier, x, 1, { ...settings, scales: 0 }), /scales must be a positive integer/);
  await assert.rejects(new FgmLineAttack().run(classifier, x, 1, { ...settings, maxEps: -1 }), /maxEps must be a positive number/);
  await assert.rejects(new FgmLineAttack().run(classifier, x, 1, { ...settings, lineSearchChunk: 0 }), /lineSearchChunk/);
  await assert.rejects(new FgmLineAttack().run(classifier, Float32Array.from([1]), 1, settings), /image has 1 values, the model expects 2/);
});
