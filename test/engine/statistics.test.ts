import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clopperPearson, mean, median, normStats, std, summarize } from '../../src/engine/statistics';
import type { AdversarialResult, ImageRecord, RandomResult } from '../../src/protocol/report';

function assertClose(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} vs ${expected}`);
}

test('mean, population std, median', () => {
  assert.equal(mean([1, 2, 3, 6]), 3);
  assertClose(std([1, 2, 3, 6]), Math.sqrt(3.5), 1e-15); // numpy.std([1,2,3,6]) = 1.8708…
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.deepEqual(normStats([2]), { mean: 2, std: 0, median: 2 });
  assert.deepEqual(normStats([]), { mean: 0, std: 0, median: 0 });
});

function record(
  file: string,
  correct: boolean,
  adversarial: Pick<AdversarialResult, 'l2' | 'l1' | 'linf'> | null,
  random: Array<[alpha: number, flips: number]> = [],
): ImageRecord {
  const randomResults: RandomResult[] = random.map(([alpha, flips]) => ({
    alpha,
    flips,
    samples: 100,
    minFlip: flips ? { l2: 1, l1: 1, linf: 1 } : null,
  }));
  return {
    file,
    label: 0,
    predicted: correct ? 0 : 1,
    correct,
    adversarial: adversarial && { eps: adversarial.l2, ...adversarial, loss: 'logit' },
    random: randomResults,
  };
}

test('summary of a hand-computed case (Table 1)', () => {
  const images = [
    record('a.png', true, { l2: 1, l1: 10, linf: 0.2 }, [[1, 0], [10, 3]]),
    record('b.png', true, { l2: 3, l1: 20, linf: 0.4 }, [[1, 2], [10, 50]]),
    record('c.png', true, null),
    record('d.png', false, null),
    record('e.png', true, { l2: 2, l1: 60, linf: 0.3 }, [[1, 0], [10, 0]]),
  ];
  const summary = summarize(images, [1, 5, 10]);
  assert.equal(summary.images, 5);
  assert.equal(summary.correct, 4);
  assert.equal(summary.accuracy, 0.8);
  assert.equal(summary.adversarial.susceptible, 3);
  assert.equal(summary.adversarial.rate, 0.75);
  assertClose(summary.adversarial.l2.mean, 2, 1e-15);
  assertClose(summary.adversarial.l2.std, Math.sqrt(2 / 3), 1e-15);
  assert.equal(summary.adversarial.l2.median, 2);
  assertClose(summary.adversarial.l1.mean, 30, 1e-13);
  assertClose(summary.adversarial.l1.std, Math.sqrt(1400 / 3), 1e-12);
  assert.equal(summary.adversarial.l1.median, 20);
  assertClose(summary.adversarial.linf.mean, 0.3, 1e-15);
  assertClose(summary.adversarial.linf.std, Math.sqrt(0.02 / 3), 1e-15);
  assert.deepEqual(summary.random, [
    { alpha: 1, susceptible: 1, rate: 1 / 3, flips: 2, trials: 300 },
    { alpha: 5, susceptible: 0, rate: 0, flips: 0, trials: 0 },
    { alpha: 10, susceptible: 2, rate: 2 / 3, flips: 53, trials: 300 },
  ]);
});

test('summary of nothing is all zeros, never NaN', () => {
  const empty = summarize([], [1, 2]);
  assert.deepEqual(empty, {
    images: 0,
    correct: 0,
    accuracy: 0,
    adversarial: {
      susceptible: 0,
      rate: 0,
      l2: { mean: 0, std: 0, median: 0 },
      l1: { mean: 0, std: 0, median: 0 },
      linf: { mean: 0, std: 0, median: 0 },
    },
    random: [
      { alpha: 1, susceptible: 0, rate: 0, flips: 0, trials: 0 },
      { alpha: 2, susceptible: 0, rate: 0, flips: 0, trials: 0 },
    ],
  });
  const allWrong = summarize([record('x.png', false, null)], [1]);
  assert.equal(allWrong.adversarial.rate, 0);
  assert.equal(allWrong.random[0].rate, 0);
});

test('Clopper–Pearson: 0 of 2000 (two-sided 0.00184, one-sided 0.0015)', () => {
  const interval = clopperPearson(0, 2000);
  assert.equal(interval.lower, 0);
  assertClose(interval.upper, 1 - 0.025 ** (1 / 2000), 1e-15);
  assertClose(interval.upper, 0.0018427397934, 1e-12);
  assertClose(interval.oneSidedUpper, 1 - 0.05 ** (1 / 2000), 1e-15);
  assertClose(interval.oneSidedUpper, 0.0014967448952, 1e-12);
});

test('Clopper–Pearson: reference values (scipy.stats.beta.ppf / R binom.test)', () => {
  const five = clopperPearson(5, 20);
  assertClose(five.lower, 0.08657146910143, 1e-12);
  assertClose(five.upper, 0.49104587170796, 1e-12);
  assertClose(five.oneSidedUpper, 0.45558240400175, 1e-12);
  const rare = clopperPearson(3, 214000);
  assertClose(rare.lower, 2.89100055892618e-6, 1e-15);
  assertClose(rare.upper, 4.09680137008020e-5, 1e-15);
  assertClose(rare.oneSidedUpper, 3.62316374344603e-5, 1e-15);
  const all = clopperPearson(20, 20);
  assertClose(all.lower, 0.025 ** (1 / 20), 1e-15);
  assert.equal(all.upper, 1);
  const ninety = clopperPearson(5, 20, 0.9);
  assert.ok(ninety.lower > five.lower && ninety.upper < five.upper);
  assert.deepEqual(clopperPearson(0, 0), { lower: 0, upper: 1, oneSidedUpper: 1 });
});

test('Clopper–Pearson rejects impossible counts', () => {
  assert.throws(() => clopperPearson(3, 2), /successes must be an integer in 0\.\.2/);
  assert.throws(() => clopperPearson(-1, 2), /successes/);
  assert.throws(() => clopperPearson(1, 2.5), /trials must be a non-negative integer/);
  assert.throws(() => clopperPearson(1, 2, 1), /confidence must lie in \(0, 1\)/);
});
