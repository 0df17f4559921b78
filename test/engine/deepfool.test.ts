import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Classifier } from '../../src/engine/classifier';
import { attackByName, attacks, DeepFoolAttack, defaultDeepFoolOptions, FgmLineAttack, scaleTolerance } from '../../src/engine/attacks/index';
import { clippedPerturbationNorms } from '../../src/engine/norms';
import { analyseImage } from '../../src/engine/measurement';
import { SeededRandom } from '../../src/engine/rng';
import { unitBallSamples } from '../../src/engine/sampling';
import type { Stage } from '../../src/protocol/messages';
import { LinearClassifier, linearProblem } from './linear-classifier';
import { TanhNetworkClassifier } from './tanh-network-classifier';

const settings = { scales: 256, maxEps: 10, clip: false };
/** The bisection's last bracket, relative to ε*. */
const refinement = scaleTolerance;

async function flips(classifier: Classifier, x: Float32Array, label: number, direction: Float32Array, scale: number, clip = false): Promise<boolean> {
  const [predicted] = await classifier.predictPerturbed(x, direction, 1, Float32Array.of(scale), clip);
  return predicted !== label;
}

test('on a linear model ε* is the distance to the hyperplane, far tighter than the fgm-line grid', async () => {
  const random = new SeededRandom(21);
  for (const [dimension, distance, label] of [[2, 0.33, 1], [20, 1.2345, 0], [2352, 2.71, 1], [7, 9.98, 0]] as const) {
    const { classifier, x } = linearProblem(dimension, distance, label, random, 3);
    const trueDistance = classifier.distance(x);
    const outcome = await new DeepFoolAttack().run(classifier, x, label, settings);
    assert.ok(outcome.found, `d=${dimension}`);
    // Past the hyperplane (float32 aside), by at most one bisection bracket.
    assert.ok(outcome.eps >= trueDistance * (1 - 1e-6), `d=${dimension}: ${outcome.eps} < ${trueDistance}`);
    assert.ok(outcome.eps - trueDistance <= outcome.eps * refinement + 1e-6, `d=${dimension}: ${outcome.eps} vs ${trueDistance}`);
    const fgm = await new FgmLineAttack().run(classifier, x, label, settings);
    assert.ok(fgm.found);
    assert.ok(Math.abs(outcome.eps - trueDistance) < Math.abs(fgm.eps - trueDistance) / 10, `d=${dimension}: not tighter than fgm-line`);

    assert.equal(outcome.loss, 'logit');
    const w = classifier.weights;
    const l2w = Math.sqrt(w.reduce((sum, value) => sum + value * value, 0));
    const sign = label === 1 ? -1 : 1;
    outcome.direction.forEach((v, i) => assert.ok(Math.abs(v - (sign * w[i]) / l2w) < 1e-6, `direction ${i}`));
    const l1w = w.reduce((sum, value) => sum + Math.abs(value), 0);
    const linfw = w.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
    assert.equal(outcome.perturbation.l2, outcome.eps);
    assert.ok(Math.abs(outcome.perturbation.l1 - (outcome.eps * l1w) / l2w) < 1e-5 * outcome.perturbation.l1);
    assert.ok(Math.abs(outcome.perturbation.linf - (outcome.eps * linfw) / l2w) < 1e-5 * outcome.perturbation.linf);
    assert.ok(await flips(classifier, x, label, outcome.direction, outcome.eps), 'x + ε*·v flips');
    assert.ok(!(await flips(classifier, x, label, outcome.direction, trueDistance * (1 - 1e-5))), 'just short of the hyperplane it does not');
  }
});

test('on a linear model one DeepFool step reaches the boundary, and the tangent projection adds nothing', async () => {
  const { classifier, x } = linearProblem(50, 1.7, 0, new SeededRandom(24));
  const outcome = await new DeepFoolAttack().run(classifier, x, 0, settings);
  assert.ok(outcome.found);
  // Margins at x, the one step, the projection at the boundary point.
  assert.equal(classifier.marginGradientCalls, 3);
  assert.equal(classifier.gradientCalls, 0, 'deepfool does not use the fgm-line loss gradient');
});

test('on curved (tanh network) boundaries deepfool finds a flip wherever fgm-line does, never a larger one', async () => {
  const random = new SeededRandom(25);
  const networks: [string, TanhNetworkClassifier][] = [
    ['sigmoid, d=8', TanhNetworkClassifier.random(8, 6, 1, random, 3)],
    ['3 classes, d=8', TanhNetworkClassifier.random(8, 6, 3, random, 3)],
    ['4 classes, d=30', TanhNetworkClassifier.random(30, 10, 4, random, 3)],
    ['3 classes, d=784', TanhNetworkClassifier.random(784, 16, 3, random, 3)],
  ];
  for (const [name, network] of networks) {
    const ratios: number[] = [];
    for (let n = 0; n < 40; n++) {
      const x = Float32Array.from({ length: network.dimension }, () => random.next());
      const label = network.classOf(x);
      const fgm = await new FgmLineAttack().run(network, x, label, settings);
      const deepfool = await new DeepFoolAttack().run(network, x, label, settings);
      if (!fgm.found) continue;
      assert.ok(deepfool.found, `${name}, image ${n}: fgm-line flips at ${fgm.eps}, deepfool does not (${deepfool.found ? '' : deepfool.reason})`);
      assert.ok(deepfool.eps <= fgm.eps, `${name}, image ${n}: deepfool ${deepfool.eps} > fgm-line ${fgm.eps}`);
      assert.ok(await flips(network, x, label, deepfool.direction, deepfool.eps), `${name}, image ${n}: x + ε*·v does not flip`);
      assert.ok(!(await flips(network, x, label, deepfool.direction, deepfool.eps * (1 - 1e-3))), `${name}, image ${n}: ε* is not the smallest flipping scale`);
      assert.equal(deepfool.loss, network.classCount === 2 && name.startsWith('sigmoid') ? 'logit' : 'margin');
      ratios.push(deepfool.eps / fgm.eps);
    }
    assert.ok(ratios.length >= 25, `${name}: only ${ratios.length} images flipped`);
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    assert.ok(mean < 0.95, `${name}: deepfool's ε* is on average ${mean} of fgm-line's, not clearly smaller`);
  }
});

test('with clipping deepfool stays in [0,1] and finds the smallest valid perturbation', async () => {
  // Logit x₀ + x₁ − 1.5 = −0.22 at x: class 0. Coordinate 0 can only rise by 0.02, so the nearest
  // valid image on the boundary is x + (0.02, 0.2), at L2 distance √0.0404 ≈ 0.2010.
  const classifier = new LinearClassifier([1, 1], -1.5);
  const x = Float32Array.from([0.98, 0.3]);
  const outcome = await new DeepFoolAttack().run(classifier, x, 0, { ...settings, clip: true });
  assert.ok(outcome.found);
  assert.ok(Math.abs(outcome.eps - Math.sqrt(0.0404)) < 2e-3, `eps ${outcome.eps}`);
  assert.deepEqual(outcome.perturbation, clippedPerturbationNorms(x, outcome.direction, outcome.eps));
  assert.ok(await flips(classifier, x, 0, outcome.direction, outcome.eps, true));
  // fgm-line goes along the unclipped normal (1, 1)/√2, loses coordinate 0 at the box and needs ≈ 0.283.
  const fgm = await new FgmLineAttack().run(classifier, x, 0, { ...settings, clip: true });
  assert.ok(fgm.found && fgm.eps > 0.28);
  assert.ok(outcome.eps < fgm.eps);
});

test('no direction or no flip: not susceptible, with the reason', async () => {
  const flat = new LinearClassifier([0, 0, 0], 5);
  assert.deepEqual(await new DeepFoolAttack().run(flat, Float32Array.from([0.1, 0.2, 0.3]), 1, settings), {
    found: false,
    reason: 'zero gradient of the logit margin',
    loss: 'logit',
    direction: null,
  });
  assert.equal(flat.perturbedCalls.length, 0);

  const far = linearProblem(5, 12.3, 0, new SeededRandom(23));
  const outOfReach = await new DeepFoolAttack().run(far.classifier, far.x, 0, settings);
  assert.equal(outOfReach.found, false);
  assert.equal(outOfReach.found ? '' : outOfReach.reason, 'no flip within maxEps=10');
  assert.ok(outOfReach.direction instanceof Float32Array && outOfReach.direction.length === 5);

  // A model that cannot give margin gradients (the method is optional in Classifier).
  const { classifier, x } = linearProblem(3, 0.5, 1, new SeededRandom(26));
  const withoutMargins: Classifier = {
    inputShape: classifier.inputShape,
    dimension: classifier.dimension,
    classCount: classifier.classCount,
    predict: (batch, count) => classifier.predict(batch, count),
    probabilities: (image) => classifier.probabilities(image),
    predictPerturbed: (image, directions, count, scales, clip) => classifier.predictPerturbed(image, directions, count, scales, clip),
    lossGradient: (image, label) => classifier.lossGradient(image, label),
    dispose: () => classifier.dispose(),
  };
  assert.deepEqual(await new DeepFoolAttack().run(withoutMargins, x, 1, settings), {
    found: false,
    reason: 'the model gives no logit margin gradient (needed by deepfool)',
    loss: null,
    direction: null,
  });
});

test('the iteration budget bounds the walk: the clipped walk above needs six steps', async () => {
  const x = Float32Array.from([0.98, 0.3]);
  const run = async (maxIterations: number) => {
    const classifier = new LinearClassifier([1, 1], -1.5);
    const outcome = await new DeepFoolAttack({ ...defaultDeepFoolOptions, maxIterations }).run(classifier, x, 0, { ...settings, clip: true });
    return { outcome, calls: classifier.marginGradientCalls };
  };
  // Each step is cut at the box and covers half the remaining margin, until the overshoot flips.
  const short = await run(5);
  assert.deepEqual(short.outcome.found ? null : short.outcome.reason, 'deepfool found no flip in 5 iterations');
  assert.equal(short.calls, 1 + 5, 'margins at x, then five steps');
  const enough = await run(6);
  assert.ok(enough.outcome.found && Math.abs(enough.outcome.eps - Math.sqrt(0.0404)) < 2e-3);
  assert.equal(enough.calls, 1 + 6, 'no budget left for a projection');
});

test('in the protocol deepfool feeds its ε* and direction to the random stage', async () => {
  const { classifier, x } = linearProblem(4, 0.5, 1, new SeededRandom(40));
  const stages: Stage[] = [];
  const protocol = { attack: 'deepfool', scales: 256, maxEps: 10, alphas: [1, 2, 5, 10], clip: false, batchSize: 500 };
  const result = await analyseImage(classifier, x, 1, protocol, unitBallSamples(1000, 4, 41), (stage) => stages.push(stage));
  assert.ok(result.adversarial);
  assert.ok(Math.abs(result.adversarial.eps - classifier.distance(x)) < 1e-4);
  assert.equal(result.adversarial.loss, 'logit');
  assert.equal(stages[0], 'gradient');
  assert.equal(stages.at(-1), 'random');
  assert.ok(stages.includes('line-search'));
  const randomCalls = classifier.perturbedCalls.filter((call) => call.directionCount > 1);
  assert.deepEqual(new Set(randomCalls.map((call) => call.multipliers[0])), new Set([1, 2, 5, 10].map((alpha) => Math.fround(alpha * result.adversarial!.eps))));
  const w = classifier.weights;
  const l2w = Math.sqrt(w.reduce((sum, value) => sum + value * value, 0));
  result.direction?.forEach((v, i) => assert.ok(Math.abs(v + w[i] / l2w) < 1e-6, 'the direction is −w/‖w‖'));
  assert.ok(result.direction);
});

test('the registry knows deepfool; bad options are refused', async () => {
  assert.equal(attacks.deepfool.name, 'deepfool');
  assert.equal(attackByName('deepfool'), attacks.deepfool);
  assert.throws(() => new DeepFoolAttack({ ...defaultDeepFoolOptions, overshoot: -0.1 }), /overshoot must be a non-negative number/);
  assert.throws(() => new DeepFoolAttack({ ...defaultDeepFoolOptions, maxIterations: 0 }), /maxIterations must be a positive integer/);
  assert.throws(() => new DeepFoolAttack({ ...defaultDeepFoolOptions, projections: -1 }), /projections must be a non-negative integer/);
  const classifier = new LinearClassifier([1, 1], 0.5);
  await assert.rejects(new DeepFoolAttack().run(classifier, Float32Array.from([0.5, 0.5]), 1, { ...settings, maxEps: 0 }), /maxEps must be a positive number/);
  await assert.rejects(new DeepFoolAttack().run(classifier, Float32Array.from([1]), 1, settings), /image has 1 values, the model expects 2/);
});
