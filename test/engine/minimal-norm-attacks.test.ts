import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Classifier } from '../../src/engine/classifier';
import {
  attackByName,
  attackOptionsOf,
  attackOptionsProblem,
  attacks,
  bestOfAttacks,
  DdnAttack,
  FgmLineAttack,
  FmnAttack,
  resolveAttackOptions,
  scaleTolerance,
  type AttackOutcome,
} from '../../src/engine/attacks/index';
import { clippedPerturbationNorms } from '../../src/engine/norms';
import { analyseImage } from '../../src/engine/measurement';
import { SeededRandom } from '../../src/engine/rng';
import { unitBallSamples } from '../../src/engine/sampling';
import { LinearClassifier, linearProblem } from './linear-classifier';
import { TanhNetworkClassifier } from './tanh-network-classifier';

const settings = { scales: 256, maxEps: 10, clip: false };

async function flips(classifier: Classifier, x: Float32Array, label: number, direction: Float32Array, scale: number, clip = false): Promise<boolean> {
  const [predicted] = await classifier.predictPerturbed(x, direction, 1, Float32Array.of(scale), clip);
  return predicted !== label;
}

function found(outcome: AttackOutcome, where: string): Extract<AttackOutcome, { found: true }> {
  assert.ok(outcome.found, `${where}: ${outcome.found ? '' : outcome.reason}`);
  return outcome;
}

const linearCases = [[2, 0.33, 1], [20, 1.2345, 0], [2352, 2.71, 1], [7, 9.98, 0], [300, 0.05, 0]] as const;

test('on linear models every attack returns the exact distance |w·x + b|/‖w‖ within the bisection tolerance', async () => {
  const runs: [string, (classifier: Classifier, x: Float32Array, label: number) => Promise<AttackOutcome>][] = [
    ...(['ddn', 'fmn', 'deepfool', 'best'] as const).map((name) => [name, (c: Classifier, x: Float32Array, label: number) => attackByName(name).run(c, x, label, settings)] as [string, typeof runs[number][1]]),
    ['fgm-line --refine', (c, x, label) => new FgmLineAttack().run(c, x, label, { ...settings, options: { refine: true } })],
  ];
  const random = new SeededRandom(61);
  for (const [dimension, distance, label] of linearCases) {
    const { classifier, x } = linearProblem(dimension, distance, label, random, 3);
    const exact = classifier.distance(x);
    const w = classifier.weights;
    const l2w = Math.sqrt(w.reduce((sum, value) => sum + value * value, 0));
    const sign = label === 1 ? -1 : 1;
    for (const [name, run] of runs) {
      const where = `${name}, d=${dimension}, distance ${distance}`;
      const outcome = found(await run(classifier, x, label), where);
      // Past the hyperplane (float32 aside), by at most the final bracket.
      assert.ok(outcome.eps >= exact * (1 - 1e-6), `${where}: ${outcome.eps} < ${exact}`);
      assert.ok(outcome.eps - exact <= scaleTolerance * outcome.eps + 1e-6, `${where}: ${outcome.eps} vs ${exact}`);
      outcome.direction.forEach((v, i) => assert.ok(Math.abs(v - (sign * w[i]) / l2w) < 1e-5, `${where}: direction ${i}`));
      assert.equal(outcome.perturbation.l2, outcome.eps);
      assert.ok(await flips(classifier, x, label, outcome.direction, outcome.eps), `${where}: x + ε*·v flips`);
    }
  }
});

test('fgm-line keeps the paper’s grid unless refine is set, and refine only narrows the grid step', async () => {
  const { classifier, x } = linearProblem(10, 4.08, 1, new SeededRandom(22));
  const grid = found(await new FgmLineAttack().run(classifier, x, 1, settings), 'grid');
  assert.equal(grid.eps, (105 * 10) / 256, 'the paper’s ε_k, bit for bit');
  const explicit = found(await new FgmLineAttack().run(classifier, x, 1, { ...settings, options: { refine: false } }), 'grid');
  assert.equal(explicit.eps, grid.eps);
  const refined = found(await new FgmLineAttack().run(classifier, x, 1, { ...settings, options: { refine: true } }), 'refined');
  assert.ok(refined.eps <= grid.eps && refined.eps > (104 * 10) / 256);
  assert.ok(Math.abs(refined.eps - classifier.distance(x)) <= scaleTolerance * refined.eps);
  assert.deepEqual(refined.direction, grid.direction);
});

test('ddn and fmn spend exactly their gradient budget', async () => {
  const { classifier, x } = linearProblem(30, 2.5, 0, new SeededRandom(62));
  for (const steps of [1, 7, 40]) {
    const before = { gradients: classifier.gradientCalls, margins: classifier.marginGradientCalls };
    await new DdnAttack().run(classifier, x, 0, { ...settings, options: { steps } });
    assert.equal(classifier.gradientCalls - before.gradients, steps, `ddn, ${steps} steps: one loss gradient a step`);
    assert.equal(classifier.marginGradientCalls, before.margins, 'ddn uses no margin gradient');
    await new FmnAttack().run(classifier, x, 0, { ...settings, options: { steps } });
    // A two-class model has one runner-up: margins at x, then one margin gradient a step and one for the last iterate.
    assert.equal(classifier.marginGradientCalls - before.margins, 1 + steps + 1, `fmn, ${steps} steps`);
  }
  // One DDN step from ε₀ = 1 reaches ε = 1.05 < 2.5: no flip yet.
  const short = await new DdnAttack().run(classifier, x, 0, { ...settings, options: { steps: 1 } });
  assert.equal(short.found ? '' : short.reason, 'ddn found no flip within maxEps=10 in 1 steps');
  // DDN's norm grows by (1 + γ) a step, and the iterate after the last step is tested:
  // from 1 past 2.5 takes ⌈ln 2.5/ln 1.05⌉ = 19 steps.
  const ddnFinds = async (options: object) => (await new DdnAttack().run(classifier, x, 0, { ...settings, options })).found;
  assert.equal(await ddnFinds({ steps: 18 }), false);
  assert.equal(await ddnFinds({ steps: 19 }), true);
  assert.equal(await ddnFinds({ steps: 1, ddnInitEps: 2.4 }), true, '2.4·1.05 > 2.5');
  assert.equal(await ddnFinds({ steps: 1, ddnInitEps: 2.3 }), false, '2.3·1.05 < 2.5');
  assert.equal(await ddnFinds({ steps: 9, ddnGamma: 0.11 }), true, '1.11^9 > 2.5');
  assert.equal(await ddnFinds({ steps: 9, ddnGamma: 0.1 }), false, '1.1^9 < 2.5');
});

test('on curved (tanh network) boundaries best is never above fgm-line, and records every attack’s ε*', async () => {
  const random = new SeededRandom(63);
  const networks: [string, TanhNetworkClassifier][] = [
    ['sigmoid, d=8', TanhNetworkClassifier.random(8, 6, 1, random, 3)],
    ['3 classes, d=8', TanhNetworkClassifier.random(8, 6, 3, random, 3)],
    ['4 classes, d=30', TanhNetworkClassifier.random(30, 10, 4, random, 3)],
    ['3 classes, d=784', TanhNetworkClassifier.random(784, 16, 3, random, 3)],
  ];
  const wins = new Map<string, number>();
  for (const [name, network] of networks) {
    let flipped = 0;
    for (let n = 0; n < 25; n++) {
      const x = Float32Array.from({ length: network.dimension }, () => random.next());
      const label = network.classOf(x);
      const where = `${name}, image ${n}`;
      const fgm = await new FgmLineAttack().run(network, x, label, settings);
      const best = await attacks.best.run(network, x, label, settings);
      if (!fgm.found) continue;
      flipped++;
      const outcome = found(best, where);
      assert.ok(outcome.eps <= fgm.eps, `${where}: best ${outcome.eps} > fgm-line ${fgm.eps}`);
      assert.deepEqual(Object.keys(outcome.attacks ?? {}), [...bestOfAttacks]);
      assert.equal(outcome.attacks?.['fgm-line'], fgm.eps);
      const found_ = Object.values(outcome.attacks ?? {}).filter((eps): eps is number => eps !== null);
      assert.equal(outcome.eps, Math.min(...found_), `${where}: the winner is the smallest`);
      assert.ok(outcome.winner && outcome.attacks?.[outcome.winner] === outcome.eps);
      wins.set(outcome.winner, (wins.get(outcome.winner) ?? 0) + 1);
      assert.ok(await flips(network, x, label, outcome.direction, outcome.eps), `${where}: x + ε*·v flips`);
      assert.ok(!(await flips(network, x, label, outcome.direction, outcome.eps * (1 - 1e-3))), `${where}: ε* is the smallest flipping scale`);
    }
    assert.ok(flipped >= 15, `${name}: only ${flipped} images flipped`);
  }
  assert.ok(!wins.has('fgm-line') || (wins.get('fgm-line') ?? 0) < [...wins.values()].reduce((a, b) => a + b, 0) / 4, `fgm-line wins too often: ${JSON.stringify([...wins])}`);
});

test('ddn and fmn find clearly smaller perturbations than fgm-line on a curved boundary', async () => {
  const random = new SeededRandom(64);
  const network = TanhNetworkClassifier.random(100, 12, 3, random, 3);
  for (const attack of [new DdnAttack(), new FmnAttack()]) {
    const ratios: number[] = [];
    for (let n = 0; n < 30; n++) {
      const x = Float32Array.from({ length: network.dimension }, () => random.next());
      const label = network.classOf(x);
      const fgm = await new FgmLineAttack().run(network, x, label, settings);
      const outcome = await attack.run(network, x, label, settings);
      if (!fgm.found || !outcome.found) continue;
      ratios.push(outcome.eps / fgm.eps);
      assert.equal(outcome.loss, attack.name === 'ddn' ? 'cross-entropy' : 'margin');
    }
    assert.ok(ratios.length >= 15, `${attack.name}: ${ratios.length} images`);
    ratios.sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)];
    assert.ok(median < 0.95, `${attack.name}: median ε*/ε*_fgm-line ${median}`);
  }
});

test('with clipping ddn and fmn stay in [0,1] and approach the smallest valid perturbation', async () => {
  // As in the deepfool test: the nearest valid boundary point is x + (0.02, 0.2), at √0.0404 ≈ 0.2010.
  const classifier = new LinearClassifier([1, 1], -1.5);
  const x = Float32Array.from([0.98, 0.3]);
  const fgm = found(await new FgmLineAttack().run(classifier, x, 0, { ...settings, clip: true }), 'fgm-line');
  // FMN's steps start at α₀ = 1, far longer than this distance: each is projected on the ε-ball
  // and then loses its first coordinate to the box, so the walk settles short of the boundary
  // until α has annealed, and does not cross it in 100 steps.
  const fmn = await new FmnAttack().run(classifier, x, 0, { ...settings, clip: true });
  assert.equal(fmn.found ? '' : fmn.reason, 'fmn found no flip within maxEps=10 in 100 steps');
  // Where the nearest boundary point x + (0.25, 0.25) lies inside the box, fmn reaches it.
  const inside = Float32Array.from([0.7, 0.3]);
  for (const [attack, image, nearest] of [[new DdnAttack(), x, Math.sqrt(0.0404)], [new FmnAttack(), inside, 0.5 / Math.SQRT2]] as const) {
    const outcome = found(await attack.run(classifier, image, 0, { ...settings, clip: true, }), attack.name);
    assert.ok(outcome.eps >= nearest * (1 - 1e-6) && outcome.eps < nearest * 1.02, `${attack.name}: ${outcome.eps} vs ${nearest}`);
    if (image === x) assert.ok(outcome.eps < fgm.eps);
    assert.deepEqual(outcome.perturbation, clippedPerturbationNorms(image, outcome.direction, outcome.eps));
    const moved = Array.from(image, (value, i) => value + outcome.eps * outcome.direction[i]);
    assert.ok(moved.every((value) => value >= 0 && value <= 1 + 1e-6), `${attack.name}: x + ε*·v leaves the box: ${moved}`);
  }
  // Without clipping the same image is flipped along the normal, beyond the box.
  const free = found(await new DdnAttack().run(classifier, x, 0, settings), 'unclipped');
  assert.ok(Math.abs(free.eps - 0.22 / Math.SQRT2) <= scaleTolerance * free.eps + 1e-6);
});

test('no gradient or no flip within maxEps: not susceptible, with the reason', async () => {
  const flat = new LinearClassifier([0, 0, 0], 5);
  const image = Float32Array.from([0.1, 0.2, 0.3]);
  assert.deepEqual(await new DdnAttack().run(flat, image, 1, settings), { found: false, reason: 'zero gradient (saturated output)', loss: null, direction: null });
  assert.deepEqual(await new FmnAttack().run(flat, image, 1, settings), { found: false, reason: 'zero gradient of the logit margin', loss: 'logit', direction: null });
  const far = linearProblem(5, 12.3, 0, new SeededRandom(23));
  for (const name of ['ddn', 'fmn'] as const) {
    const outcome = await attackByName(name).run(far.classifier, far.x, 0, settings);
    assert.equal(outcome.found ? '' : outcome.reason, `${name} found no flip within maxEps=10 in 100 steps`);
  }
  const none = await attacks.best.run(far.classifier, far.x, 0, settings);
  assert.equal(none.found, false);
  assert.match(none.found ? '' : none.reason, /^no attack flipped it \(fgm-line: no flip within maxEps=10; deepfool: .*; ddn: .*; fmn: .*\)$/);
  const { classifier, x } = linearProblem(3, 0.5, 1, new SeededRandom(26));
  const withoutMargins: Classifier = {
    inputShape: classifier.inputShape,
    dimension: classifier.dimension,
    classCount: classifier.classCount,
    predict: (batch, count) => classifier.predict(batch, count),
    probabilities: (value) => classifier.probabilities(value),
    predictPerturbed: (value, directions, count, scales, clip) => classifier.predictPerturbed(value, directions, count, scales, clip),
    lossGradient: (value, label) => classifier.lossGradient(value, label),
    dispose: () => classifier.dispose(),
  };
  assert.equal((await new FmnAttack().run(withoutMargins, x, 1, settings)).found ? '' : 'refused', 'refused');
  const best = found(await attacks.best.run(withoutMargins, x, 1, settings), 'best without margins');
  assert.equal(best.attacks?.deepfool, null);
  assert.equal(best.attacks?.fmn, null);
  assert.ok(best.winner === 'ddn' || best.winner === 'fgm-line');
});

test('in the protocol best records the winner and every ε*, and the random stage uses the winner’s ε*', async () => {
  const { classifier, x } = linearProblem(6, 0.77, 1, new SeededRandom(65));
  const protocol = { attack: 'best', scales: 256, maxEps: 10, alphas: [1, 2], clip: false, batchSize: 500 };
  const result = await analyseImage(classifier, x, 1, protocol, unitBallSamples(500, 6, 66));
  const adversarial = result.adversarial;
  assert.ok(adversarial);
  assert.deepEqual(Object.keys(adversarial.attacks ?? {}), [...bestOfAttacks]);
  assert.equal(adversarial.attacks?.[adversarial.attack ?? ''], adversarial.eps);
  assert.notEqual(adversarial.attack, 'fgm-line', 'the grid is coarser than the bisection');
  const randomCalls = classifier.perturbedCalls.filter((call) => call.directionCount > 1);
  assert.deepEqual(new Set(randomCalls.map((call) => call.multipliers[0])), new Set([1, 2].map((alpha) => Math.fround(alpha * adversarial.eps))));
  assert.equal(adversarial.randomByAttack, undefined, 'random per attack only when asked');
  const randomSet = unitBallSamples(500, 6, 66);
  const perAttack = await analyseImage(classifier, x, 1, { ...protocol, attackOptions: { randomPerAttack: true } }, randomSet);
  const byAttack = perAttack.adversarial?.randomByAttack ?? {};
  assert.deepEqual(Object.keys(byAttack), [...bestOfAttacks]);
  assert.deepEqual(byAttack[perAttack.adversarial!.attack!], perAttack.random, 'the chosen ε*’s counts, as `random`');
  // fgm-line's ε* is a grid step past the others': its own random counts, at α·ε*_fgm-line.
  const fgmEps = perAttack.adversarial!.attacks!['fgm-line']!;
  for (const [k, alpha] of [1, 2].entries()) {
    const alone = await analyseImage(classifier, x, 1, { ...protocol, attack: 'fgm-line' }, randomSet);
    assert.equal(alone.adversarial?.eps, fgmEps);
    assert.deepEqual(byAttack['fgm-line'][k], alone.random[k], `α = ${alpha}`);
  }
  const single = await analyseImage(classifier, x, 1, { ...protocol, attack: 'fmn', attackOptions: { steps: 30 } }, randomSet);
  assert.equal(single.adversarial?.attack, 'fmn');
  assert.equal(single.adversarial?.attacks, undefined);
});

test('attack options: defaults, the options each attack reads, and one-line refusals', () => {
  assert.deepEqual(resolveAttackOptions(undefined), { steps: 100, ddnGamma: 0.05, ddnInitEps: 1, fmnAlpha: 1, fmnAlphaFinal: 0.01, fmnGamma: 0.05, fmnGammaFinal: 0.001, refine: false, randomPerAttack: false });
  assert.deepEqual(attackOptionsOf('fgm-line', undefined), { refine: false });
  assert.deepEqual(attackOptionsOf('deepfool', { steps: 5 }), {});
  assert.deepEqual(attackOptionsOf('ddn', { steps: 5, fmnAlpha: 2 }), { steps: 5, ddnGamma: 0.05, ddnInitEps: 1 });
  assert.deepEqual(Object.keys(attackOptionsOf('best', undefined)).sort(), Object.keys(resolveAttackOptions(undefined)).sort());
  assert.equal(attackOptionsProblem({ steps: 0 }), 'steps must be a positive integer, got 0');
  assert.equal(attackOptionsProblem({ steps: 2.5 }), 'steps must be a positive integer, got 2.5');
  assert.equal(attackOptionsProblem({ ddnGamma: 1 }), 'ddnGamma must be a number in (0, 1), got 1');
  assert.equal(attackOptionsProblem({ fmnGamma: 0 }), 'fmnGamma must be a number in (0, 1), got 0');
  assert.equal(attackOptionsProblem({ fmnAlpha: -1 }, (key) => `--${key}`), '--fmnAlpha must be a positive number, got -1');
  assert.equal(attackOptionsProblem({ ddnInitEps: Number.POSITIVE_INFINITY }), 'ddnInitEps must be a positive number, got null');
  assert.equal(attackOptionsProblem({ steps: 3, refine: true }), null);
  assert.throws(() => resolveAttackOptions({ ddnGamma: 1.5 }), /^Error: ddnGamma must be a number in \(0, 1\), got 1.5$/);
});
