// The worker's random set within its memory budget: the budget from the environment, the detail
// view on a regenerated set, and whole CLI runs on the demo that must not change with the budget.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { unitBallSamples, unitBallSamplesWithin, type RandomSet } from '../../src/engine/sampling';
import type { ImageRecord } from '../../src/protocol/report';
import { imageDetail } from '../../src/worker/detail';
import { randomSetBudgetBytes } from '../../src/worker/random-set-budget';
import { LinearClassifier } from '../engine/linear-classifier';
import { temporaryFolder } from './models';

const root = join(__dirname, '..', '..');
const folder = temporaryFolder('random-set');

after(() => rmSync(folder, { recursive: true, force: true }));

test('the budget comes from ROBUSTNESS_LENS_RANDOM_SET_MB, 256 MB by default', () => {
  const megabyte = 1024 * 1024;
  assert.equal(randomSetBudgetBytes({}), 256 * megabyte);
  assert.equal(randomSetBudgetBytes({ ROBUSTNESS_LENS_RANDOM_SET_MB: ' ' }), 256 * megabyte);
  assert.equal(randomSetBudgetBytes({ ROBUSTNESS_LENS_RANDOM_SET_MB: '1.5' }), 1.5 * megabyte);
  assert.equal(randomSetBudgetBytes({ ROBUSTNESS_LENS_RANDOM_SET_MB: '0' }), 0);
  for (const bad of ['-1', 'lots', 'Infinity']) {
    assert.throws(
      () => randomSetBudgetBytes({ ROBUSTNESS_LENS_RANDOM_SET_MB: bad }),
      new RegExp(`^Error: ROBUSTNESS_LENS_RANDOM_SET_MB must be a non-negative number of megabytes, got "${bad}"$`),
    );
  }
});

test('the detail view draws the same first non-flipping random perturbation from a regenerated set', async () => {
  const geometry = { height: 16, width: 16, channels: 3, shape: [16, 16, 3] };
  const d = 768;
  const count = 40;
  const resident = unitBallSamples(count, d, 9);
  // w along the sum of the first 10 rows: each of them pushes x over the boundary, so the first
  // perturbation that keeps the label lies past the detail's first batch and the set's first chunks.
  const w = new Float64Array(d);
  for (let j = 0; j < 10; j++) for (let i = 0; i < d; i++) w[i] += resident.directions[j * d + i];
  const norm = Math.hypot(...w);
  const weights = Array.from(w, (value) => value / norm);
  const x = new Float32Array(d).fill(0.5);
  const bias = -0.02 - weights.reduce((sum, value) => sum + value * 0.5, 0); // label 0, 0.02 from the boundary
  const record: ImageRecord = {
    file: 'x.png', label: 0, predicted: 0, correct: true, random: [],
    adversarial: { eps: 1, l2: 1, l1: 1, linf: 1, loss: 'logit' },
  };
  const detailOf = (set: RandomSet) =>
    imageDetail(new LinearClassifier(weights, bias, geometry.shape), geometry, record.file, x, record, set, { clip: false, batchSize: 8, attack: { name: 'fgm-line', scales: 16, maxEps: 4 } });

  // Known answer: the first row j whose x + (ε*/‖u_j‖)·u_j, in float32 as the detail builds it, keeps class 0.
  const probe = new LinearClassifier(weights, bias, geometry.shape);
  const perturbed = (j: number) =>
    Float32Array.from(x, (value, i) => Math.fround(value + Math.fround(Math.fround(1 / resident.l2[j]) * resident.directions[j * d + i])));
  let first = 0;
  while ((await probe.predict(perturbed(first), 1))[0] !== 0) first++;
  assert.ok(first >= 10 && first < count, `the first non-flipping row is ${first}`);

  const expected = await detailOf(resident);
  assert.deepEqual(expected.outputs.randomPerturbed, Array.from(await probe.probabilities(perturbed(first))));
  for (const chunkRows of [5, 8, 64]) {
    const regenerated = unitBallSamplesWithin(count, d, 9, { budgetBytes: 0, chunkRows });
    assert.equal(regenerated.resident, false);
    assert.deepEqual(await detailOf(regenerated), expected, `chunks of ${chunkRows}`);
  }
});

test('a CLI run on the demo writes the same images and details with a 1 MB random-set budget', () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const run = (name: string, env: NodeJS.ProcessEnv) => {
    const out = join(folder, name);
    const args = ['check', '--model', join(root, 'media/demo/model/model.json'), '--data', join(root, 'media/demo/data')];
    args.push('--out', out, '--limit', '3', '--samples', '200', '--workers', '1', '--verbose');
    const result = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(result.status, 0, result.stderr);
    return { stderr: result.stderr, images: readFileSync(join(out, 'images.jsonl'), 'utf8'), details: readFileSync(join(out, 'details.json'), 'utf8') };
  };
  const whole = run('default', { ROBUSTNESS_LENS_RANDOM_SET_MB: '' });
  const bounded = run('bounded', { ROBUSTNESS_LENS_RANDOM_SET_MB: '1' });
  // 200 rows of 28·28·3 float32 are 1.8 MB: regenerated under 1 MB, resident by default.
  assert.match(bounded.stderr, /random set drawn in chunks of \d+ rows once, kept in a scratch file and read back for every image: its 2 MB exceed ROBUSTNESS_LENS_RANDOM_SET_MB \(1 MB\)/);
  assert.doesNotMatch(whole.stderr, /random set drawn/);
  assert.equal(whole.images.trim().split('\n').length, 3);
  assert.ok(JSON.parse(whole.details).length > 0, 'some image has a detail view');
  assert.equal(bounded.images, whole.images);
  assert.equal(bounded.details, whole.details);
});
