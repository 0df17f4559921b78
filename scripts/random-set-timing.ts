// Host cost of the run's random set at 224×224×3 (docs/benchmarks.md, issue #11): drawing it into
// the scratch file at worker init, and reading it back for an image, in CPU nanoseconds a value of
// this process (so other jobs on a shared machine inflate it less than wall time).
// Usage: node --import tsx scripts/random-set-timing.ts [rows] [dimension] [chunk rows]
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRandomSet } from '../src/worker/random-set-disk';
import { ownCpuMilliseconds } from '../src/bench/process-stats';

const rows = Number(process.argv[2] ?? 60);
const dimension = Number(process.argv[3] ?? 224 * 224 * 3);
const chunkRows = Number(process.argv[4] ?? 3);
const perValue = (ms: number) => ((ms / (rows * dimension)) * 1e6).toFixed(1);

let started = ownCpuMilliseconds();
const { set, storage } = runRandomSet(rows, dimension, 0, { budgetBytes: 0, chunkRows }, Number.MAX_SAFE_INTEGER);
console.log(`${rows} rows of ${dimension}, chunks of ${chunkRows} (${storage}): drawn at init in ${perValue(ownCpuMilliseconds() - started)} ns a value`);
for (let pass = 1; pass <= 5; pass++) {
  started = ownCpuMilliseconds();
  for (let start = 0; start < rows; start += chunkRows) set.rows(start, Math.min(chunkRows, rows - start));
  console.log(`  image ${pass}: read back in ${perValue(ownCpuMilliseconds() - started)} ns a value`);
}

// Where a read-back's time goes: the same bytes read from the page cache into a zeroed fresh array
// (as before), a fresh array that is not zeroed first, and one reused buffer (the copy alone; the
// scratch file's rows now go into two buffers in turn).
const bytes = chunkRows * dimension * 4;
const file = join(tmpdir(), `robustness-lens-random-set-timing-${process.pid}.f32`);
const fd = openSync(file, 'w+');
unlinkSync(file);
const chunks = Math.ceil(rows / chunkRows);
const filler = new Uint8Array(bytes).fill(7);
for (let c = 0; c < chunks; c++) writeSync(fd, filler, 0, bytes, c * bytes);
const reused = new Uint8Array(bytes);
const ways: Array<[string, () => Uint8Array]> = [
  ['zeroed fresh array', () => new Uint8Array(bytes)],
  ['fresh array, not zeroed', () => new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, bytes)],
  ['one reused buffer', () => reused],
];
for (let round = 1; round <= 3; round++) {
  const line = ways.map(([name, target]) => {
    const t = ownCpuMilliseconds();
    for (let c = 0; c < chunks; c++) readSync(fd, target(), 0, bytes, c * bytes);
    return `${name} ${perValue(ownCpuMilliseconds() - t)}`;
  });
  console.log(`  read round ${round}, ns a value: ${line.join(', ')}`);
}
closeSync(fd);
