import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unitBallSamples, unitBallSamplesWithin, type RandomSet, type ResidentRandomSet } from '../../src/engine/sampling';
import { capFraction } from '../../src/engine/theory';
import { norms } from '../../src/engine/norms';

function row(set: ResidentRandomSet, j: number): Float32Array {
  return set.directions.subarray(j * set.dimension, (j + 1) * set.dimension);
}

/** The float32 values' bits, so that equality means bit for bit (−0 ≠ 0, every NaN payload). */
function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** A set that is never resident: only generator states are kept. */
function regenerated(count: number, dimension: number, seed: number, chunkRows: number): RandomSet {
  const set = unitBallSamplesWithin(count, dimension, seed, { budgetBytes: 0, chunkRows });
  assert.equal(set.resident, false);
  return set;
}

/** Within `sigmas` binomial standard deviations (+1 count for discreteness). */
function assertBinomial(observed: number, trials: number, p: number, sigmas: number, what: string): void {
  const expected = trials * p;
  const slack = sigmas * Math.sqrt(trials * p * (1 - p)) + 1;
  assert.ok(Math.abs(observed - expected) <= slack, `${what}: observed ${observed}, expected ${expected.toFixed(2)} ± ${slack.toFixed(2)}`);
}

test('radii follow P(‖u‖ ≤ r) = r^d (Kolmogorov–Smirnov)', () => {
  for (const dimension of [1, 3, 50]) {
    const set = unitBallSamples(2000, dimension, 5);
    const uniforms = Array.from(set.l2, (r) => r ** dimension).sort((a, b) => a - b);
    let statistic = 0;
    uniforms.forEach((u, i) => {
      statistic = Math.max(statistic, Math.abs((i + 1) / uniforms.length - u), Math.abs(u - i / uniforms.length));
    });
    // 0.1 % critical value of the KS statistic: 1.95/√n.
    assert.ok(statistic < 1.95 / Math.sqrt(uniforms.length), `d=${dimension}: KS ${statistic}`);
    assert.ok(set.l2.every((r) => r <= 1 + 1e-6));
  }
});

test('the same seed gives the same set, another seed another set', () => {
  const a = unitBallSamples(50, 20, 9);
  const b = unitBallSamples(50, 20, 9);
  const c = unitBallSamples(50, 20, 10);
  assert.deepEqual(a.directions, b.directions);
  assert.deepEqual(a.l2, b.l2);
  assert.notDeepEqual(a.directions, c.directions);
});

test('coordinates have mean 0 (variance 1/(d+2) each)', () => {
  const count = 2000;
  const dimension = 40;
  const set = unitBallSamples(count, dimension, 6);
  const sigma = Math.sqrt(1 / (dimension + 2) / count);
  for (let i = 0; i < dimension; i++) {
    let sum = 0;
    for (let j = 0; j < count; j++) sum += set.directions[j * dimension + i];
    assert.ok(Math.abs(sum / count) < 5 * sigma, `coordinate ${i}: mean ${sum / count}`);
  }
});

test('P(u₁ ≥ h) is the cap fraction of the unit ball', () => {
  const count = 2000;
  for (const dimension of [2, 5, 20]) {
    const set = unitBallSamples(count, dimension, 7);
    for (const h of [0, 0.1, 0.3, 0.6]) {
      let above = 0;
      for (let j = 0; j < count; j++) if (set.directions[j * dimension] >= h) above++;
      assertBinomial(above, count, capFraction(h, dimension), 5, `d=${dimension}, h=${h}`);
    }
  }
});

test('stored norms are those of the stored rows', () => {
  const set = unitBallSamples(30, 17, 8);
  assert.equal(set.directions.length, 30 * 17);
  for (let j = 0; j < set.count; j++) {
    const expected = norms(row(set, j));
    assert.ok(Math.abs(set.l2[j] - expected.l2) < 1e-12);
    assert.ok(Math.abs(set.l1[j] - expected.l1) < 1e-12);
    assert.equal(set.linf[j], expected.linf);
  }
});

test('rejects bad counts and dimensions', () => {
  assert.throws(() => unitBallSamples(0, 3, 0), /sample count must be a positive integer/);
  assert.throws(() => unitBallSamples(3, 2.5, 0), /dimension must be a positive integer/);
});

test('a regenerated set gives the resident rows bit for bit, in any order and any range', () => {
  // Odd dimensions leave a spare normal across row and chunk boundaries; chunk sizes not dividing count.
  for (const [count, dimension, seed, chunkRows] of [[50, 7, 3, 8], [37, 1, 12, 5], [64, 16, 0, 64], [90, 33, 2 ** 40 + 5, 7], [13, 3, -4, 1]]) {
    const what = `${count}×${dimension}, seed ${seed}, chunks of ${chunkRows}`;
    const resident = unitBallSamples(count, dimension, seed);
    const set = regenerated(count, dimension, seed, chunkRows);
    assert.deepEqual(set.l2, resident.l2, what);
    assert.deepEqual(set.l1, resident.l1, what);
    assert.deepEqual(set.linf, resident.linf, what);
    const expect = (start: number, rows: number) =>
      assert.deepEqual(bits(set.rows(start, rows)), bits(resident.rows(start, rows)), `${what}: rows ${start}+${rows}`);
    for (let start = 0; start < count; start += chunkRows) expect(start, Math.min(chunkRows, count - start));
    for (let start = 0; start < count; start += 4) expect(start, Math.min(4, count - start)); // reading on across chunks
    for (let j = count - 1; j >= 0; j -= 3) expect(j, 1); // backwards, mid-chunk
    expect(0, count);
    expect(Math.floor(count / 2), count - Math.floor(count / 2));
  }
});

test('resident when the rows fit the budget, with one view object per range', () => {
  const exact = unitBallSamplesWithin(20, 6, 1, { budgetBytes: 20 * 6 * 4, chunkRows: 8 });
  const over = unitBallSamplesWithin(20, 6, 1, { budgetBytes: 20 * 6 * 4 - 1, chunkRows: 8 });
  assert.equal(exact.resident, true);
  assert.equal(over.resident, false);
  const resident = exact as ResidentRandomSet;
  assert.equal(resident.rows(8, 8), resident.rows(8, 8));
  assert.equal(resident.rows(8, 8).buffer, resident.directions.buffer);
  assert.deepEqual(bits(resident.rows(8, 8)), bits(resident.directions.subarray(48, 96)));
  assert.notEqual(over.rows(8, 8), over.rows(8, 8), 'a regenerated set hands out fresh arrays');
});

test('a large set within a small budget keeps no array of all its rows', () => {
  const count = 400;
  const dimension = 224 * 224 * 3;
  const chunkRows = 50;
  const before = process.memoryUsage().arrayBuffers;
  const set = unitBallSamplesWithin(count, dimension, 0, { budgetBytes: 16 * 1024 * 1024, chunkRows });
  const last = set.rows(count - chunkRows, chunkRows);
  const grown = process.memoryUsage().arrayBuffers - before;
  const allRows = count * dimension * 4;
  assert.ok(grown < allRows / 4, `array buffers grew by ${(grown / 2 ** 20).toFixed(0)} MB; all ${count} rows would be ${(allRows / 2 ** 20).toFixed(0)} MB`);
  assert.equal(set.resident, false);
  // The regenerated rows are those whose norms were recorded while drawing the set.
  for (let j = 0; j < chunkRows; j++) {
    const row = last.subarray(j * dimension, (j + 1) * dimension);
    let squares = 0;
    for (const value of row) squares += value * value;
    assert.equal(Math.sqrt(squares), set.l2[count - chunkRows + j]);
  }
});

test('rejects rows outside the set and bad budgets', () => {
  for (const set of [unitBallSamples(10, 3, 0), regenerated(10, 3, 0, 4)]) {
    assert.throws(() => set.rows(8, 3), /rows 8…10 are outside the random set's 10 rows/);
    assert.throws(() => set.rows(-1, 2), /outside the random set/);
    assert.throws(() => set.rows(0, 0), /outside the random set/);
  }
  assert.throws(() => unitBallSamplesWithin(10, 3, 0, { budgetBytes: -1, chunkRows: 4 }), /random set budget must be a non-negative number of bytes, got -1/);
  assert.throws(() => unitBallSamplesWithin(10, 3, 0, { budgetBytes: 0, chunkRows: 0 }), /chunkRows must be a positive integer, got 0/);
});

test('the seeded sets are pinned: a faster generator must draw the same bits (reports stay equal)', () => {
  // sha256 prefixes of the rows and of the norms, taken before fillNormals replaced the normal() loop.
  const hash = (...arrays: ArrayBufferView[]) => {
    const digest = createHash('sha256');
    for (const a of arrays) digest.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return digest.digest('hex').slice(0, 32);
  };
  const pinned: Array<[number, number, number, string, string]> = [
    [7, 2352, 42, '0ce2f7fbd8c9da304f777739e773a6b4', 'fbd1723c217a1860e5395741d4e186ef'],
    [3, 150528, 0, 'b6ee6934af0ae9a70d35c7f13a0c22a0', 'fc1bcc5138266b4967db1272f297eb0d'],
    [11, 9, 3, 'a077806d646348efde0f01f1eb466b60', 'f7fabf4334ed57e328cf744d8993ece4'],
    [5, 1, 8, '7237ef86c625517b6eef2b10f13c93f1', 'd3a419cb8b639a59b68f1d0eee544bf4'],
  ];
  for (const [count, d, seed, rows, norms] of pinned) {
    const set = unitBallSamples(count, d, seed);
    assert.equal(hash(set.directions), rows, `rows of ${count} × ${d}, seed ${seed}`);
    assert.equal(hash(set.l2, set.l1, set.linf), norms, `norms of ${count} × ${d}, seed ${seed}`);
  }
});

test('a regenerated set hands every chunk of its norms pass to the sink once, in order, as the resident rows', () => {
  const count = 23;
  const d = 9; // odd: a spare normal crosses rows
  const resident = unitBallSamples(count, d, 4);
  const chunks: Array<[number, number, Float32Array]> = [];
  const set = unitBallSamplesWithin(count, d, 4, { budgetBytes: 0, chunkRows: 5 }, (start, rows, values) => chunks.push([start, rows, values.slice()]));
  assert.deepEqual(chunks.map(([start, rows]) => [start, rows]), [[0, 5], [5, 5], [10, 5], [15, 5], [20, 3]]);
  for (const [start, rows, values] of chunks) assert.deepEqual(values, resident.directions.subarray(start * d, (start + rows) * d));
  assert.deepEqual(set.l2, resident.l2);
  assert.deepEqual(set.rows(7, 9), resident.directions.subarray(7 * d, 16 * d));
});
