import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { unitBallSamples } from '../../src/engine/sampling';
import { randomSetDiskBytes, randomSetStorage, runRandomSet } from '../../src/worker/random-set-disk';

const count = 40;
const d = 300;
const chunk = 16;

test('the disk budget comes from ROBUSTNESS_LENS_RANDOM_SET_DISK_MB; a bad value is an error', () => {
  assert.equal(randomSetDiskBytes({}), 8192 * 1024 * 1024);
  assert.equal(randomSetDiskBytes({ ROBUSTNESS_LENS_RANDOM_SET_DISK_MB: '0' }), 0);
  assert.throws(() => randomSetDiskBytes({ ROBUSTNESS_LENS_RANDOM_SET_DISK_MB: 'lots' }), /ROBUSTNESS_LENS_RANDOM_SET_DISK_MB must be a non-negative number/);
});

test('a run\'s set over the memory budget is drawn into the scratch file at init and read back, bit for bit, in any range', () => {
  const resident = unitBallSamples(count, d, 5);
  const { set, storage } = runRandomSet(count, d, 5, { budgetBytes: 0, chunkRows: chunk }, 1 << 30);
  assert.equal(storage, 'scratch-file');
  assert.equal(set.resident, false);
  assert.deepEqual(set.l2, resident.l2);
  assert.deepEqual(set.linf, resident.linf);
  for (const [start, rows] of [[0, chunk], [16, 16], [32, 8], [3, 30], [39, 1], [0, count]]) {
    const got = set.rows(start, rows);
    assert.deepEqual(got, resident.directions.subarray(start * d, (start + rows) * d), `rows ${start}…${start + rows - 1}`);
    assert.notEqual(set.rows(start, rows), got, 'a new array object each time (classifiers keep arrays by identity)');
  }
  const first = set.rows(0, chunk);
  const second = set.rows(chunk, chunk);
  assert.deepEqual(first, resident.directions.subarray(0, chunk * d), 'a chunk holds its rows while the next one is read');
  assert.deepEqual(second, resident.directions.subarray(chunk * d, 2 * chunk * d));
  assert.ok(!readdirSync(tmpdir()).some((name) => name.startsWith(`robustness-lens-random-set-${process.pid}-`)), 'the scratch file is unlinked while open');
});

test('the storage follows the budgets: memory first, then the scratch file, else regenerated', () => {
  const bytes = count * d * 4;
  assert.equal(randomSetStorage(count, d, bytes, 0), 'memory');
  assert.equal(randomSetStorage(count, d, bytes - 1, bytes), 'scratch-file');
  assert.equal(randomSetStorage(count, d, bytes - 1, bytes - 1), 'regenerated');
  const inMemory = runRandomSet(count, d, 5, { budgetBytes: bytes, chunkRows: chunk }, 1 << 30);
  assert.equal(inMemory.storage, 'memory');
  assert.equal(inMemory.set.resident, true);
  const regenerated = runRandomSet(count, d, 5, { budgetBytes: 0, chunkRows: chunk }, 0);
  assert.equal(regenerated.storage, 'regenerated');
  assert.deepEqual(regenerated.set.rows(8, 20), unitBallSamples(count, d, 5).directions.subarray(8 * d, 28 * d));
});

test('a scratch folder that cannot be written falls back to regenerating the rows', () => {
  const { set, storage } = runRandomSet(count, d, 5, { budgetBytes: 0, chunkRows: chunk }, 1 << 30, '/nonexistent/robustness-lens');
  assert.equal(storage, 'regenerated');
  assert.deepEqual(set.rows(0, count), unitBallSamples(count, d, 5).directions);
});
