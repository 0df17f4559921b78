/**
 * The one answer to a `theory` request, which the worker processes and the standalone report's
 * Web Worker both give: the simulated rows, or the parameters' problem as a non-fatal error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { theoryAnswer } from '../../src/engine/theory-answer';
import { defaultTheoryParameters, simulateTheory, validateTheoryParameters, type TheoryParameters } from '../../src/engine/two-balls';

const small: TheoryParameters = { ...defaultTheoryParameters, dimensions: [3, 30], points: 200, perturbations: 10, seed: 7 };

test('valid parameters are answered with the simulated rows', () => {
  assert.deepEqual(theoryAnswer({ type: 'theory', requestId: 4, parameters: small }), { type: 'theory', requestId: 4, rows: simulateTheory(small) });
});

test('bad parameters are answered with their problem, a non-fatal error for that request', () => {
  const bad = { ...small, epsilon: 1.5 };
  assert.deepEqual(theoryAnswer({ type: 'theory', requestId: 9, parameters: bad }), { type: 'error', message: validateTheoryParameters(bad), fatal: false, requestId: 9 });
});
