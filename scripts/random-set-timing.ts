// Host cost of the run's random set at 224×224×3 (docs/benchmarks.md, issue #11): drawing it into
// the scratch file at worker init, and reading it back for an image, in CPU nanoseconds a value of
// this process (so other jobs on a shared machine inflate it less than wall time).
// Usage: node --import tsx scripts/random-set-timing.ts [rows] [dimension] [chunk rows]
import { runRandomSet } from '../src/worker/random-set-disk';

const rows = Number(process.argv[2] ?? 60);
const dimension = Number(process.argv[3] ?? 224 * 224 * 3);
const chunkRows = Number(process.argv[4] ?? 3);
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const perValue = (ms: number) => ((ms / (rows * dimension)) * 1e6).toFixed(1);

let started = cpuMs();
const { set, storage } = runRandomSet(rows, dimension, 0, { budgetBytes: 0, chunkRows }, Number.MAX_SAFE_INTEGER);
console.log(`${rows} rows of ${dimension}, chunks of ${chunkRows} (${storage}): drawn at init in ${perValue(cpuMs() - started)} ns a value`);
for (let pass = 1; pass <= 3; pass++) {
  started = cpuMs();
  for (let start = 0; start < rows; start += chunkRows) set.rows(start, Math.min(chunkRows, rows - start));
  console.log(`  image ${pass}: read back in ${perValue(cpuMs() - started)} ns a value`);
}
