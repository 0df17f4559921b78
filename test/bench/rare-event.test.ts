// The bench's rare-event section: the production estimator's cost on a linear oracle with an exact
// answer and on the demo network, and its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BenchUsageError, parseBenchArgs } from '../../src/bench/options';
import { formatRareEvent, measureImages, measureOracle, spreadOrder } from '../../src/bench/rare-event';
import { logCapFraction, ratioForLog10CapFraction } from '../../src/engine/theory';

const root = join(__dirname, '..', '..');

test('--rare-event turns the section on at the check\'s default budget; its options need it and a budget of at least 200', () => {
  const on = parseBenchArgs(['--rare-event']);
  assert.ok(on !== 'help');
  assert.deepEqual(on.rareEvent, { budget: 20_000, seeds: 5, images: 8 });
  const set = parseBenchArgs(['--rare-event', '--rare-event-budget', '5000', '--rare-event-seeds', '3', '--rare-event-images', '2']);
  assert.ok(set !== 'help');
  assert.deepEqual(set.rareEvent, { budget: 5000, seeds: 3, images: 2 });
  const off = parseBenchArgs([]);
  assert.ok(off !== 'help');
  assert.equal(off.rareEvent, null);
  assert.throws(() => parseBenchArgs(['--rare-event-seeds', '3']), (e: Error) => e instanceof BenchUsageError && /need --rare-event/.test(e.message));
  assert.throws(() => parseBenchArgs(['--rare-event', '--rare-event-budget', '100']), (e: Error) => e instanceof BenchUsageError && /at least 200/.test(e.message));
});

test('the oracle is placed at the asked exact probability', () => {
  for (const [log10p, d] of [[-2, 2352], [-30, 2352], [-10, 64]]) {
    assert.ok(Math.abs(logCapFraction(ratioForLog10CapFraction(log10p, d), d) / Math.LN10 - log10p) < 1e-9, `1e${log10p} in d = ${d}`);
  }
});

test('on the linear oracle each estimate stays within its budget and near the exact p', async () => {
  const budget = 3000;
  const rows = await measureOracle(64, [-2, -5], { budget, seeds: 3 });
  assert.deepEqual(rows.map((r) => [r.dimension, Math.round(r.log10Exact), r.estimates, r.reached]), [[64, -2, 3, 3], [64, -5, 3, 3]]);
  for (const row of rows) {
    assert.ok(row.meanForwardPasses > 0 && row.meanForwardPasses <= budget && row.medianForwardPasses <= budget, `1e${row.log10Exact}: ${row.meanForwardPasses} forward passes`);
    assert.ok(Math.abs((row.medianLog10Estimate as number) - row.log10Exact) < 1, `1e${row.log10Exact}: estimated 1e${row.medianLog10Estimate}`);
    assert.ok(row.covered >= 0 && row.covered <= row.estimates);
    assert.ok(row.medianMs > 0);
  }
  assert.ok(rows[1].meanForwardPasses > rows[0].meanForwardPasses, 'a rarer event takes more levels');
});

test('on the demo network it estimates every α of the images the attack flips', async () => {
  const target = { model: join(root, 'media/demo/model/model.json'), data: join(root, 'media/demo/data') };
  const demo = await measureImages(target, [5, 10], { scales: 64, maxEps: 10 }, { budget: 400, images: 2 });
  assert.equal(demo.susceptible, 2);
  assert.deepEqual(demo.rows.map((r) => [r.alpha, r.estimates]), [[5, 2], [10, 2]]);
  for (const row of demo.rows) assert.ok(row.meanForwardPasses > 0 && row.medianForwardPasses <= 400);
  const text = formatRareEvent({ budget: 400, seeds: 1, oracle: [], demo: { model: 'demo', ...demo } });
  assert.match(text, /Rare-event estimator \(--rare-event\), budget 400 forward passes per estimate/);
  assert.match(text, /demo \(forward \w+\), 2 susceptible images/);
  assert.match(text, /α 10 .* forward passes mean/);
});

test('demo images are taken spread over the dataset, every position once', () => {
  assert.deepEqual([...spreadOrder(10, 3)], [0, 3, 6, 9, 1, 4, 7, 2, 5, 8]);
  assert.deepEqual([...spreadOrder(2, 5)], [0, 1]);
});
