import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EtaEstimator } from '../../src/run/eta';

/**
 * A session over `pending` images on `workers` workers: each worker is ready after the start-up
 * (a little later for each worker) and then analyses one image after another, each taking its
 * compute time plus a small overhead outside the timed stages. Returns the completions in order.
 */
function simulate(pending: number, workers: number, startupMs: number, imageMs: (i: number) => number, overheadMs = 50) {
  const freeAt = Array.from({ length: workers }, (_, w) => startupMs + 1500 * w);
  const completions: { atMs: number; busyMs: number }[] = [];
  for (let i = 0; i < pending; i++) {
    const w = freeAt.indexOf(Math.min(...freeAt));
    const busyMs = imageMs(i);
    freeAt[w] += busyMs + overheadMs;
    completions.push({ atMs: freeAt[w], busyMs });
  }
  return completions.sort((a, b) => a.atMs - b.atMs);
}

describe('the ETA of a check', () => {
  it("uses this session's pace only: right after a resume it is not inflated by the start-up", () => {
    // 60 images resumed, 40 left; four workers take two minutes to start; images take ~10 s each.
    const workers = 4;
    const completions = simulate(40, workers, 120_000, (i) => 10_000 * (1 + 0.1 * Math.sin(i)));
    const end = completions.at(-1)!.atMs;
    const eta = new EtaEstimator(workers);
    assert.equal(eta.secondsLeft(40), null, 'nothing measured before the first image');
    completions.forEach(({ atMs, busyMs }, k) => {
      eta.imageFinished(atMs, busyMs);
      const remaining = 40 - (k + 1);
      if (remaining < workers) return;
      const truth = (end - atMs) / 1000;
      const estimate = eta.secondsLeft(remaining)!;
      assert.ok(Math.abs(estimate - truth) <= 0.3 * truth, `after ${k + 1} images: ETA ${estimate.toFixed(0)} s, the session ended ${truth.toFixed(0)} s later`);
    });
    // The first estimate, the one the issue saw at 4× too long: 39 images at ~10 s on 4 workers.
    const first = new EtaEstimator(workers);
    first.imageFinished(completions[0].atMs, completions[0].busyMs);
    assert.ok(Math.abs(first.secondsLeft(39)! - 39 * 2.5) < 39 * 2.5 * 0.15, String(first.secondsLeft(39)));
  });

  it('follows the interval between completions once every worker has finished one', () => {
    const eta = new EtaEstimator(2);
    // Worker time says 1 s an image, but results arrive every 3 s (time outside the stages): the intervals win.
    for (let k = 0; k < 10; k++) eta.imageFinished(60_000 + 3000 * k, 1000);
    assert.equal(eta.secondsLeft(10), 30);
    // The pace is the recent one: after a slowdown to one image every 6 s, the estimate follows.
    for (let k = 1; k <= 40; k++) eta.imageFinished(60_000 + 27_000 + 6000 * k, 1000);
    assert.equal(eta.secondsLeft(10), 60);
  });

  it('is 0 when nothing is left and null until an image of this session finished', () => {
    const eta = new EtaEstimator(3);
    assert.equal(eta.secondsLeft(0), 0);
    assert.equal(eta.secondsLeft(5), null);
    eta.imageFinished(5000, 3000);
    assert.equal(eta.secondsLeft(6), 6);
  });
});
