/**
 * Universality (Theorem 8) on a binary linear classifier, where the answer is exact: every image
 * of a class gets the same attack direction ∓w/‖w‖, so image i's perturbation ε*_i·v flips image j
 * exactly when ε*_i ≥ h_j (j's distance to the hyperplane); the random baseline ε*_i·u_i flips j
 * exactly when ε*_i·(u_i·n) ≥ h_j, n the unit normal pointing out of the class.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FgmLineAttack } from '../../src/engine/attacks/fgm-line';
import { SeededRandom } from '../../src/engine/rng';
import {
  baselineDirection,
  flipsOnTarget,
  packSources,
  planUniversality,
  pooledRates,
  sampleTargets,
  summarizeClass,
  universalityCostFraction,
  type PerturbationSource,
} from '../../src/engine/universality';
import type { ImageRecord, UniversalitySource } from '../../src/protocol/report';
import { LinearClassifier } from './linear-classifier';

const dimension = 24;
const seed = 11;

function linearModel(): LinearClassifier {
  const random = new SeededRandom(3);
  const raw = Array.from({ length: dimension }, () => random.normal());
  const norm = Math.sqrt(raw.reduce((sum, w) => sum + w * w, 0));
  return new LinearClassifier(raw.map((w) => (2 * w) / norm), 0.1);
}

/** An image on `label`'s side at exactly `distance` from the hyperplane (float64 arithmetic, float32 storage). */
function imageAt(model: LinearClassifier, label: 0 | 1, distance: number, random: SeededRandom): Float32Array {
  const x = Float64Array.from({ length: dimension }, () => 0.3 + 0.4 * random.next());
  const wNorm = Math.sqrt(model.weights.reduce((sum, w) => sum + w * w, 0));
  const signed = model.logit(x) / wNorm;
  const want = label === 1 ? distance : -distance;
  for (let i = 0; i < dimension; i++) x[i] += ((want - signed) * model.weights[i]) / wNorm;
  return Float32Array.from(x);
}

describe('universality on a binary linear classifier (known answers)', () => {
  const model = linearModel();
  const wNorm = Math.sqrt(model.weights.reduce((sum, w) => sum + w * w, 0));
  const random = new SeededRandom(5);
  const distances = [0.31, 0.52, 0.77, 1.04, 1.38, 1.9, 2.45, 3.1];
  const settings = { scales: 256, maxEps: 4, clip: false };

  for (const label of [0, 1] as const) {
    it(`class ${label}: source i flips target j exactly when ε*_i ≥ h_j, the baseline when ε*_i·(u_i·n) ≥ h_j`, async () => {
      const images = distances.map((h) => imageAt(model, label, h, random));
      const exactDistance = images.map((x) => model.distance(x));
      const sources: PerturbationSource[] = [];
      for (const [index, x] of images.entries()) {
        const outcome = await new FgmLineAttack().run(model, x, label, settings);
        assert.ok(outcome.found, `image ${index} is susceptible within maxEps`);
        if (outcome.found) sources.push({ index, eps: outcome.eps, direction: outcome.direction });
      }
      const baselines = sources.map((source) => baselineDirection(seed, source.index, dimension));
      const batches = packSources(sources, baselines, dimension, 3);
      assert.equal(batches.length, 3, '8 sources in batches of 3');
      // n: the unit normal out of the class (towards the other side).
      const outward = Array.from(model.weights, (w) => ((label === 1 ? -1 : 1) * w) / wNorm);
      let flips = 0;
      for (const [j, target] of images.entries()) {
        const result = await flipsOnTarget(model, target, label, batches, false);
        for (const [row, source] of sources.entries()) {
          const h = exactDistance[j];
          if (Math.abs(source.eps - h) > 1e-5) {
            assert.equal(result.adversarial[row], source.eps > h, `source ${source.index} (ε* ${source.eps}) on target ${j} (h ${h})`);
          }
          const reach = source.eps * baselines[row].reduce((sum, u, k) => sum + u * outward[k], 0);
          if (Math.abs(reach - h) > 1e-5) assert.equal(result.baseline[row], reach > h, `baseline of source ${source.index} on target ${j}`);
          if (j !== source.index && result.adversarial[row]) flips++;
        }
      }
      // ε*_i is the first grid step past h_i, so source i flips exactly the targets closer than it: i of them.
      const expected = distances.reduce((n, _h, i) => n + i, 0);
      assert.equal(flips, expected);
    });
  }
});

describe('universality helpers', () => {
  it('the baseline direction is a unit vector fixed by seed and index, different across indices', () => {
    const a = baselineDirection(seed, 4, 500);
    const again = baselineDirection(seed, 4, 500);
    const other = baselineDirection(seed, 5, 500);
    const otherSeed = baselineDirection(seed + 1, 4, 500);
    const norm = Math.sqrt(a.reduce((sum, v) => sum + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-6);
    assert.deepEqual(again, a);
    const dot = (u: Float32Array, v: Float32Array) => u.reduce((sum, x, i) => sum + x * v[i], 0);
    // Independent directions in 500 dimensions are nearly orthogonal (|cos| ~ 1/√500 ≈ 0.045).
    assert.ok(Math.abs(dot(a, other)) < 0.25);
    assert.ok(Math.abs(dot(a, otherSeed)) < 0.25);
  });

  it('samples targets spread over the class, all of them when few', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    assert.deepEqual(sampleTargets(items, 20), items);
    assert.deepEqual(sampleTargets(items, 5), [0, 2, 4, 6, 8]);
    assert.throws(() => sampleTargets(items, 0), /positive integer/);
  });

  const record = (index: number, label: number, correct: boolean, eps: number | null): { record: ImageRecord; task: number } => ({
    record: {
      file: `${label}/${index}.png`,
      label,
      predicted: correct ? label : 1 - label,
      correct,
      adversarial: eps === null ? null : { eps, l2: eps, l1: eps, linf: eps, loss: 'logit' },
      random: [],
      index,
    },
    task: index,
  });

  it('plans per class: susceptible images as sources, correct ones as targets; a class with no pair is left out', () => {
    const entries = [record(0, 0, true, 1), record(1, 0, true, null), record(2, 0, false, null), record(3, 1, true, 2), record(4, 0, true, 0.5)];
    const plans = planUniversality(entries, 2);
    assert.equal(plans.length, 1, 'class 1 has a single correct image: nothing to try its perturbation on');
    assert.equal(plans[0].label, 0);
    assert.deepEqual(plans[0].sources.map((s) => s.task), [0, 4]);
    assert.equal(plans[0].correct, 3);
    assert.deepEqual(plans[0].targets, [0, 1], 'two of the three correct images, spread');
  });

  it('the cost fraction counts the measure’s rows against the protocol’s', () => {
    const entries = [record(0, 0, true, 1), record(1, 0, true, 2)];
    const plans = planUniversality(entries, 200);
    const settings = { scales: 10, maxEps: 10, samples: 100, alphas: [1, 2] };
    // Protocol: per image 3 (gradient) + steps to ε* (1 and 2) + 200 random rows = 204 + 205.
    // Measure: per source 3 + steps (1, 2) + 2 rows for its one other target = 6 + 7.
    assert.equal(universalityCostFraction(entries.map((e) => e.record), plans, settings), 13 / 409);
  });

  it('summarises a class: pooled rates and quartiles of the per-source rates', () => {
    const sources: UniversalitySource[] = [
      { file: 'a', label: 0, eps: 1, targets: 4, flips: 0, baselineFlips: 0 },
      { file: 'b', label: 0, eps: 1, targets: 4, flips: 2, baselineFlips: 0 },
      { file: 'c', label: 0, eps: 1, targets: 4, flips: 4, baselineFlips: 1 },
    ];
    const summary = summarizeClass(0, 'zero', 5, 5, sources);
    assert.equal(summary.pairs, 12);
    assert.equal(summary.flips, 6);
    assert.equal(summary.rate, 0.5);
    assert.equal(summary.baselineRate, 1 / 12);
    assert.deepEqual(summary.sourceRates, { min: 0, q1: 0.25, median: 0.5, q3: 0.75, max: 1 });
    assert.deepEqual(pooledRates([summary, { ...summary, pairs: 4, flips: 0, baselineFlips: 0 }]), { pairs: 16, flips: 6, rate: 6 / 16, baselineFlips: 1, baselineRate: 1 / 16 });
  });
});
