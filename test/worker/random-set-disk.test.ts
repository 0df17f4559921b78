import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { unitBallSamples, unitBallSamplesWithin } from '../../src/engine/sampling';
import { randomSetDiskBytes, spilledToDisk } from '../../src/worker/random-set-disk';

const count = 40;
const d = 300;
const chunk = 16;

test('a regenerated set spilled to disk gives the same rows, bit for bit, on first draw and on read-back', () => {
  const resident = unitBallSamples(count, d, 5);
  const regenerated = unitBallSamplesWithin(count, d, 5, { budgetBytes: 0, chunkRows: chunk });
  let regenerations = 0;
  const counted = { ...regenerated, rows: (start: number, rows: number) => (regenerations++, regenerated.rows(start, rows)) };
  const spilled = spilledToDisk(counted, 1 << 30);
  assert.equal(spilled.resident, false);
  for (let pass = 0; pass < 3; pass++) {
    for (let start = 0; start < count; start += chunk) {
      const rows = Math.min(chunk, count - start);
      assert.deepEqual(spilled.rows(start, rows), resident.directions.subarray(start * d, (start + rows) * d), `pass ${pass}, rows ${start}…`);
    }
  }
  assert.equal(regenerations, Math.ceil(count / chunk), 'each chunk is drawn once, then read back');
  assert.deepEqual(spilled.l2, resident.l2);
  assert.ok(!readdirSync(tmpdir()).some((name) => name.startsWith(`robustness-lens-random-set-${process.pid}-`)), 'the scratch file is unlinked while open');
});

test('a resident set, or one over the disk budget, is left as it is', () => {
  const resident = unitBallSamples(count, d, 5);
  assert.equal(spilledToDisk(resident, 1 << 30), resident);
  const regenerated = unitBallSamplesWithin(count, d, 5, { budgetBytes: 0, chunkRows: chunk });
  assert.equal(spilledToDisk(regenerated, count * d * 4 - 1), regenerated);
});

test('the disk budget comes from ROBUSTNESS_LENS_RANDOM_SET_DISK_MB; a bad value is an error', () => {
  assert.equal(randomSetDiskBytes({}), 8192 * 1024 * 1024);
  assert.equal(randomSetDiskBytes({ ROBUSTNESS_LENS_RANDOM_SET_DISK_MB: '0' }), 0);
  assert.throws(() => randomSetDiskBytes({ ROBUSTNESS_LENS_RANDOM_SET_DISK_MB: 'lots' }), /ROBUSTNESS_LENS_RANDOM_SET_DISK_MB must be a non-negative number/);
});
