/**
 * The paper's two-balls and two-half-balls models, simulated: the measured rates against exact
 * answers (cap fractions of the unit ball) and against the theorems' bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capFraction } from '../../src/engine/theory';
import { defaultTheoryParameters, simulateTheory, standardNormalCdf, theorem20Bound, theorem20Limit, theoryBounds, validateTheoryParameters, type TheoryParameters } from '../../src/engine/two-balls';

const base: TheoryParameters = { ...defaultTheoryParameters, dimensions: [3, 20, 200, 2000], points: 4000, perturbations: 50, seed: 1 };
/** Four binomial standard deviations around p for n trials, plus three counts (for p near 0 or 1). */
const tolerance = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n) + 3 / n;

describe('two-balls model', () => {
  const params = { ...base, epsilon: 0.1, delta: 0.2, radius: 0.5, gamma: 0.1 };
  const rows = simulateTheory(params);

  it('accuracy and susceptibility match the exact cap fractions of the unit ball', () => {
    for (const row of rows) {
      // Misclassified: beyond distance ε from the centre towards the other class.
      const accuracy = 1 - capFraction(params.epsilon, row.dimension);
      assert.ok(Math.abs(row.accuracy - accuracy) <= tolerance(accuracy, params.points), `d=${row.dimension}: accuracy ${row.accuracy} vs ${accuracy}`);
      // Not susceptible: more than δ − ε past the centre away from the boundary.
      const susceptibility = 1 - capFraction(params.delta - params.epsilon, row.dimension);
      assert.ok(Math.abs(row.susceptibility - susceptibility) <= tolerance(susceptibility, params.points), `d=${row.dimension}: susceptibility`);
    }
  });

  it('the measured rates respect Theorems 4, 5, 6 and 8', () => {
    for (const row of rows) {
      const n = params.points;
      assert.ok(row.accuracy >= row.accuracyBound - tolerance(row.accuracyBound, n), `Theorem 4 at d=${row.dimension}`);
      assert.ok(row.susceptibility >= row.susceptibilityBound - tolerance(row.susceptibilityBound, n), `Theorem 5 at d=${row.dimension}`);
      assert.ok(row.randomFlip <= row.randomFlipBound + tolerance(row.randomFlipBound, n), `Theorem 6 at d=${row.dimension}`);
      assert.ok((row.universality ?? 0) >= (row.universalityBound ?? 0) - tolerance(row.universalityBound ?? 0, n / 2), `Theorem 8 at d=${row.dimension}`);
    }
    // The paradox: in high dimension accurate, susceptible, and random perturbations rarely flip.
    const high = rows[rows.length - 1];
    assert.ok(high.accuracy > 0.9 && high.susceptibility > 0.9 && high.randomFlip < 0.05, JSON.stringify(high));
  });

  it('the same seed gives the same rows', () => {
    assert.deepEqual(simulateTheory(params), rows);
  });
});

describe('two-half-balls model', () => {
  it('always accurate; with a margin random flips vanish with d, without one they do not (Theorems 19, 20)', () => {
    const margin = simulateTheory({ ...base, model: 'two-half-balls', epsilon: 0.1, radius: 0.5, dimensions: [5, 500] });
    for (const row of margin) {
      assert.equal(row.accuracy, 1);
      assert.ok(row.randomFlip <= row.randomFlipBound + tolerance(row.randomFlipBound, base.points));
      assert.ok(row.susceptibility >= row.susceptibilityBound - tolerance(row.susceptibilityBound, base.points));
    }
    assert.ok(margin[1].randomFlip < 1e-3);
    const touching = simulateTheory({ ...base, model: 'two-half-balls', epsilon: 0, radius: 0.5, dimensions: [5, 500] });
    for (const row of touching) assert.ok(row.randomFlip > 0.02, `d=${row.dimension}: ${row.randomFlip} stays away from 0`);
    assert.equal(touching[0].universality, null);
  });

  it('touching half-balls (ε = 0) flip at least as often as Theorem 20 says, in every dimension and for every radius', () => {
    for (const radius of [0.25, 0.5, 1, 2]) {
      const rows = simulateTheory({ ...base, model: 'two-half-balls', epsilon: 0, radius, dimensions: [2, 10, 100, 1000], seed: 7 });
      for (const row of rows) {
        const bound = row.randomFlipLowerBound;
        assert.ok(bound !== null && bound > 0, `r=${radius}, d=${row.dimension}: a bound`);
        assert.equal(bound, theorem20Bound(radius, row.dimension));
        assert.ok(row.randomFlip >= bound - tolerance(bound, base.points), `r=${radius}, d=${row.dimension}: measured ${row.randomFlip} < bound ${bound}`);
        // The bound is loose but not empty: below the exact limit P(r·Z₂ > |Z₁|) = arctan(r)/π of the rate.
        assert.ok(bound < Math.atan(radius) / Math.PI, `r=${radius}: bound ${bound} below the limit rate`);
      }
    }
  });

  it('Theorem 20 before the limit tends to its d → ∞ form with Φ', () => {
    assert.ok(Math.abs(standardNormalCdf(0) - 0.5) < 1e-7);
    assert.ok(Math.abs(standardNormalCdf(1.959963985) - 0.975) < 1e-7);
    assert.ok(Math.abs(standardNormalCdf(-3) - 0.0013498980316301) < 1e-8);
    for (const radius of [0.1, 0.5, 1, 3]) {
      const limit = theorem20Limit(radius);
      assert.ok(limit > 0);
      assert.ok(Math.abs(theorem20Bound(radius, 100_000) - limit) < 0.02 * limit, `r=${radius}: ${theorem20Bound(radius, 100_000)} vs ${limit}`);
    }
    assert.ok(theorem20Limit(0.5) < theorem20Limit(1), 'larger perturbations flip more');
  });

  it('Theorem 20 only speaks of touching half-balls', () => {
    assert.equal(theoryBounds({ ...base, model: 'two-half-balls', epsilon: 0.05 }, 100).randomFlipLowerBound, null);
    assert.equal(theoryBounds({ ...base, model: 'two-balls', epsilon: 0 }, 100).randomFlipLowerBound, null);
  });

  it('rejects parameters outside the models', () => {
    assert.match(validateTheoryParameters({ ...base, epsilon: 1 }) ?? '', /ε must be in \[0, 1\)/);
    assert.match(validateTheoryParameters({ ...base, dimensions: [0] }) ?? '', /dimensions/);
    assert.throws(() => simulateTheory({ ...base, points: 1 }), /points/);
    assert.equal(theoryBounds({ ...base, delta: 0.01, epsilon: 0.1 }, 10).susceptibilityBound, 0, 'no guarantee below the separation');
  });
});
