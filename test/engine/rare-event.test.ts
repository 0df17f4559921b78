import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/engine/rng';
import { exponentialSumQuantile, emptySum, inverseRegularizedLowerGamma, plusExponential, regularizedLowerGamma } from '../../src/engine/rare-event/gamma';
import { flipScores } from '../../src/engine/rare-event/margin-score';
import { rareEventFlips, initialParticles } from '../../src/engine/rare-event/estimate';
import { rareEventSeed } from '../../src/engine/rare-event/seed';
import { summarizeRareEvents } from '../../src/engine/rare-event/summary';
import { UniformBallCloud } from '../../src/engine/rare-event/uniform-ball-cloud';
import { analyseImage } from '../../src/engine/measurement';
import { unitBallSamples } from '../../src/engine/sampling';
import { logCapFraction, ratioForLog10CapFraction } from '../../src/engine/theory';
import type { ImageRecord, RareEventResult } from '../../src/protocol/report';
import { linearProblem } from './linear-classifier';
import { TanhNetworkClassifier } from './tanh-network-classifier';
import { coverage } from './rare-event-coverage';

test('the incomplete gamma function matches closed forms, and its inverse inverts it', () => {
  for (const x of [0.01, 0.5, 1, 3, 20]) {
    assert.ok(Math.abs(regularizedLowerGamma(1, x) - -Math.expm1(-x)) < 1e-13, `P(1, ${x})`);
    // P(2, x) = 1 − e^{−x}(1 + x)
    assert.ok(Math.abs(regularizedLowerGamma(2, x) - (1 - Math.exp(-x) * (1 + x))) < 1e-13, `P(2, ${x})`);
  }
  for (const [q, a] of [[0.025, 1], [0.975, 1], [0.5, 40], [0.025, 3000]]) {
    assert.ok(Math.abs(regularizedLowerGamma(a, inverseRegularizedLowerGamma(q, a)) - q) < 1e-10);
  }
  // Equal rates: the sum of c exponentials of rate λ is Gamma(c, 1/λ), e.g. its median for c = 1 is ln 2/λ.
  const one = plusExponential(emptySum, 8);
  assert.ok(Math.abs(exponentialSumQuantile(one, 0.5) - Math.LN2 / 8) < 1e-12);
  assert.equal(exponentialSumQuantile(emptySum, 0.5), 0);
});

test('flip scores are positive exactly when the prediction leaves the label', () => {
  assert.deepEqual(Array.from(flipScores(Float32Array.of(2, -1), 2, 1, 1)), [-2, 1]);
  assert.deepEqual(Array.from(flipScores(Float32Array.of(2, -1), 2, 1, 0)), [2, -1]);
  // Three classes, label 2: max of the others minus z₂.
  assert.deepEqual(Array.from(flipScores(Float32Array.of(1, 3, 2, 0, 0, 5), 2, 3, 2)), [1, -5]);
});

test('uniform-ball particles and their pCN moves keep the uniform law of the unit ball', async () => {
  const d = 16;
  const count = 4000;
  const seen: Float32Array[] = [];
  const cloud = new UniformBallCloud(d, count, new SeededRandom(3), async (directions, rows) => {
    seen.push(Float32Array.from(directions));
    return new Float64Array(rows);
  });
  await cloud.initialise();
  const slots = Int32Array.from({ length: count }, (_, i) => i);
  for (let move = 0; move < 20; move++) {
    await cloud.propose(slots, 0.4);
    cloud.accept(slots, new Uint8Array(count).fill(1));
  }
  for (const directions of [seen[0], seen[seen.length - 1]]) {
    // Under the uniform law ‖u‖^d is uniform on (0, 1) and E[u₁²] = 1/(d + 2).
    let radiusPower = 0;
    let firstSquared = 0;
    for (let row = 0; row < count; row++) {
      let squares = 0;
      for (let i = 0; i < d; i++) squares += directions[row * d + i] ** 2;
      radiusPower += Math.pow(Math.sqrt(squares), d);
      firstSquared += directions[row * d] ** 2;
    }
    assert.ok(Math.abs(radiusPower / count - 0.5) < 0.02, `mean ‖u‖^d ${radiusPower / count}`);
    assert.ok(Math.abs(firstSquared / count - 1 / (d + 2)) < 0.006, `mean u₁² ${firstSquared / count}`);
  }
});

test('estimates on a flat boundary cover the exact cap fraction: d = 64, the production estimator', async () => {
  for (const log10p of [-2, -10, -30]) {
    const row = await coverage(64, log10p, 100, 'full');
    assert.equal(row.reached, 100, `every estimate reaches 1e${log10p}`);
    assert.ok(row.covered >= 90, `1e${log10p}: ${row.covered}/100 intervals cover the exact value`);
    assert.ok(row.meanForwardPasses <= 20_000);
  }
});

test('estimates on a flat boundary cover the exact cap fraction: d = 2352 and 150 528, 100 repetitions each', async () => {
  for (const dimension of [2352, 150_528]) {
    for (const log10p of [-2, -10, -30]) {
      const row = await coverage(dimension, log10p, 100, 'reduced');
      assert.equal(row.reached, 100, `d=${dimension}: every estimate reaches 1e${log10p}`);
      assert.ok(row.covered >= 90, `d=${dimension}, 1e${log10p}: ${row.covered}/100 intervals cover the exact value`);
    }
  }
});

test('d = 2352 in full dimension: a few estimates at 1e-20 cover the exact value', async () => {
  const row = await coverage(2352, -20, 3, 'full');
  assert.equal(row.reached, 3);
  assert.ok(row.covered >= 2, `${row.covered}/3`);
});

test('an estimate beyond the budget is an upper bound that holds', async () => {
  // d = 2352 at twice the distance: about 10^-149, far deeper than 20 000 passes reach.
  const d = 2352;
  const { classifier, x } = linearProblem(d, 1, 0, new SeededRandom(5));
  const [estimate] = await rareEventFlips(classifier, x, 0, 1, [2], { budget: 20_000, runSeed: 0, imageIndex: 3, clip: false });
  const exact = logCapFraction(0.5, d) / Math.LN10;
  assert.equal(estimate.reached, false);
  assert.equal(estimate.probability, null);
  assert.equal(estimate.log10Interval[0], null);
  assert.ok(exact <= estimate.log10Interval[1], `bound 1e${estimate.log10Interval[1]} above the exact 1e${exact}`);
  assert.ok(estimate.log10Interval[1] < -30, 'the bound itself is below 1e-30');
  assert.ok(estimate.forwardPasses <= 20_000);
  assert.equal(classifier.logitRows, estimate.forwardPasses);
});

test('estimates are seeded by the run seed, the image index and α, nothing else', async () => {
  const d = 32;
  const { classifier, x } = linearProblem(d, 1, 1, new SeededRandom(9));
  const run = (imageIndex: number) => rareEventFlips(classifier, x, 1, 1 / ratioForLog10CapFraction(-6, d), [1, 2], { budget: 2000, runSeed: 4, imageIndex, clip: false });
  const first = await run(7);
  assert.deepEqual(await run(7), first);
  assert.notDeepEqual((await run(8))[0].log10Probability, first[0].log10Probability);
  assert.notEqual(rareEventSeed(4, 7, 1), rareEventSeed(4, 7, 2));
  assert.notEqual(rareEventSeed(4, 7, 1), rareEventSeed(5, 7, 1));
});

test('a multi-class non-linear model: the estimate agrees with plain Monte Carlo where it sees flips', async () => {
  const classifier = TanhNetworkClassifier.random(8, 12, 3, new SeededRandom(2));
  const random = new SeededRandom(6);
  const x = Float32Array.from({ length: 8 }, () => random.next());
  const label = classifier.classOf(x);
  const radius = 1.5;
  const samples = unitBallSamples(20_000, 8, 11);
  const flips = await classifier.predictPerturbed(x, samples.directions, samples.count, new Float32Array(samples.count).fill(radius), false);
  const p = flips.filter((c) => c !== label).length / samples.count;
  assert.ok(p > 0.001 && p < 0.5, `the setting has a visible flip rate (${p})`);
  let covered = 0;
  for (let imageIndex = 0; imageIndex < 20; imageIndex++) {
    const [estimate] = await rareEventFlips(classifier, x, label, radius, [1], { budget: 4000, runSeed: 1, imageIndex, clip: false });
    assert.ok(estimate.reached);
    if (estimate.interval[0] <= p && p <= estimate.interval[1]) covered++;
  }
  // Monte Carlo's own error (±0.006 here) is small against the intervals' width.
  assert.ok(covered >= 17, `${covered}/20 intervals hold the Monte Carlo rate ${p}`);
});

test('analyseImage adds the estimates per α only with rareEvent set', async () => {
  const d = 16;
  const { classifier, x } = linearProblem(d, 0.5, 1, new SeededRandom(1));
  const settings = { attack: 'fgm-line', scales: 64, maxEps: 2, alphas: [1, 3], clip: false, batchSize: 50 };
  const set = unitBallSamples(100, d, 0);
  const plain = await analyseImage(classifier, x, 1, settings, set);
  assert.ok(plain.random.every((result) => result.rareEvent === undefined));
  const withEstimates = await analyseImage(classifier, x, 1, { ...settings, rareEvent: { budget: 1000, runSeed: 0, imageIndex: 2 } }, set);
  assert.deepEqual(withEstimates.random.map((result) => result.flips), plain.random.map((result) => result.flips));
  for (const result of withEstimates.random) {
    const estimate = result.rareEvent!;
    assert.equal(estimate.method, 'ams-pcn');
    assert.ok(estimate.forwardPasses <= 1000);
    assert.equal(estimate.particles, initialParticles(1000));
  }
});

test('the summary median counts an unreached estimate as its bound and says when the median is one', () => {
  const estimate = (log10: number, reached: boolean): RareEventResult => ({
    method: 'ams-pcn',
    reached,
    probability: reached ? 10 ** log10 : null,
    log10Probability: reached ? log10 : null,
    interval: [0, 10 ** log10],
    log10Interval: [null, log10],
    confidence: 0.95,
    samplesPerFlip: null,
    log10SamplesPerFlip: reached ? -log10 : null,
    forwardPasses: 100,
    particles: 8,
    levels: 1,
  });
  const image = (log10: number, reached: boolean): ImageRecord => ({
    file: 'a.png', label: 0, predicted: 0, correct: true,
    adversarial: { eps: 1, l2: 1, l1: 1, linf: 1, loss: 'logit' },
    random: [{ alpha: 2, flips: 0, samples: 10, minFlip: null, rareEvent: estimate(log10, reached) }],
  });
  const summary = summarizeRareEvents([image(-5, true), image(-40, false), image(-9, true)], 2)!;
  assert.deepEqual(summary, { estimates: 2, upperBounds: 1, medianLog10Probability: -9, medianProbability: 1e-9, medianIsUpperBound: false });
  assert.equal(summarizeRareEvents([image(-40, false), image(-50, false), image(-3, true)], 2)!.medianIsUpperBound, true);
  assert.equal(summarizeRareEvents([image(-5, true)], 1), null);
});
