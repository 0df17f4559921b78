import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RareEventResult } from '../../src/protocol/report';
import { probabilityWords, rareEventIntervalText, rareEventSentence } from '../../src/report/rare-event-text';

const estimate = (log10: number | null, interval: [number | null, number]): RareEventResult => ({
  method: 'ams-pcn',
  reached: log10 !== null,
  probability: log10 === null ? null : 10 ** log10,
  log10Probability: log10,
  interval: [interval[0] === null ? 0 : 10 ** interval[0], 10 ** interval[1]],
  log10Interval: interval,
  confidence: 0.95,
  samplesPerFlip: log10 === null ? null : 10 ** -log10,
  log10SamplesPerFlip: log10 === null ? null : -log10,
  forwardPasses: 18_000,
  particles: 32,
  levels: 120,
});

test('the sentence says the estimate in words, with samples to see one flip', () => {
  assert.equal(
    rareEventSentence(2, estimate(-41.2, [-43.1, -39.4])),
    'at 2× the adversarial size, a random perturbation flips this image with probability about 10⁻⁴¹: 10⁴¹ samples to see one',
  );
  assert.equal(rareEventSentence(10, estimate(-1.3, [-1.5, -1.1])), 'at 10× the adversarial size, a random perturbation flips this image with probability about 5.01 %: 20 samples to see one');
  assert.equal(
    rareEventSentence(1, estimate(null, [null, -62.4])),
    'at 1× the adversarial size, a random perturbation flips this image with probability below 10⁻⁶²: more than 10⁶² samples to see one',
  );
});

test('intervals are written as powers of ten, an unreached one as a bound', () => {
  assert.equal(rareEventIntervalText(estimate(-41.2, [-43.1, -39.4])), '10⁻⁴³ – 10⁻³⁹ (95 %)');
  assert.equal(rareEventIntervalText(estimate(null, [null, -62.4])), '< 10⁻⁶² (95 %)');
  assert.equal(probabilityWords(-2), '1 %');
});
