// The random stage's parts at 224×224×3 in the process that runs the model (docs/benchmarks.md,
// issue #11): the bench's MobileNetV2-sized network on ONNX Runtime (one thread, as in a worker),
// one chunk of 3 rows: the perturbed forward pass, ONNX Runtime's own forward pass on the same
// graph, randomFlips per α with the rows held in memory or read back from the scratch file, and the
// read-back alone against a read into a fresh array (what each chunk cost before the two buffers).
// Medians of 8 interleaved rounds, wall and CPU milliseconds of this process.
// Usage: node --import tsx scripts/random-stage-parts.ts
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { prepareFixture } from '../src/bench/fixtures';
import { randomFlips } from '../src/engine/random-flips';
import { OrtClassifier } from '../src/worker/compute/ort-classifier';
import { runRandomSet } from '../src/worker/random-set-disk';
import { workerClassifier } from '../src/worker/worker-classifier';
import { ownCpuMilliseconds } from '../src/bench/process-stats';


async function main(): Promise<void> {
  await setBackend('cpu'); // builds the fixture's seeded TF.js model; its forward passes then run on ONNX Runtime
  const work = mkdtempSync(join(tmpdir(), 'random-stage-parts-'));
  const fixture = await prepareFixture('mobilenet-v2', work, 1);
  const built = await workerClassifier(fixture.model, 'wasm', 'onnxruntime', 2000);
  const classifier = built.classifier;
  if (!(classifier instanceof OrtClassifier)) throw new Error(`expected ONNX Runtime, got ${built.forward}`);
  const d = classifier.dimension;
  const rows = 3;
  const x = new Float32Array(d).fill(0.5);
  const label = (await classifier.predict(x, 1))[0];
  const alphas = [1, 2, 5, 10];
  const held = runRandomSet(rows, d, 0, { budgetBytes: Number.MAX_SAFE_INTEGER, chunkRows: rows }, 0).set;
  const kept = runRandomSet(rows, d, 0, { budgetBytes: 0, chunkRows: rows }, Number.MAX_SAFE_INTEGER).set;
  const directions = held.rows(0, rows);
  const multipliers = new Float32Array(rows).fill(0.5);
  const perturbed = Float32Array.from(directions, (u, i) => x[i % d] + 0.5 * u);
  const file = join(work, 'rows.f32');
  const fd = openSync(file, 'w+');
  unlinkSync(file);
  writeSync(fd, new Uint8Array(directions.buffer, directions.byteOffset, directions.byteLength), 0, directions.byteLength, 0);
  const actions: Array<[string, number, () => Promise<unknown>]> = [
    ['perturbed forward pass (predictPerturbed)', 1, () => classifier.predictPerturbed(x, directions, rows, multipliers, false)],
    ["ONNX Runtime's own (images ready)", 1, () => classifier.logits(perturbed, rows)],
    ['randomFlips per α, rows held', alphas.length, () => randomFlips(classifier, x, label, 1, alphas, held, { clip: false, batchSize: rows })],
    ['randomFlips per α, scratch file', alphas.length, () => randomFlips(classifier, x, label, 1, alphas, kept, { clip: false, batchSize: rows })],
    ['read-back alone (two buffers)', 1, async () => kept.rows(0, rows)],
    ['read into a fresh array', 1, async () => readSync(fd, new Uint8Array(rows * d * 4), 0, rows * d * 4, 0)],
  ];
  const wall = actions.map(() => [] as number[]);
  const cpu = actions.map(() => [] as number[]);
  for (let round = 0; round < 9; round++) {
    for (const [i, [, , action]] of actions.entries()) {
      const t = performance.now();
      const c = ownCpuMilliseconds();
      await action();
      if (round === 0) continue; // warm-up
      wall[i].push(performance.now() - t);
      cpu[i].push(ownCpuMilliseconds() - c);
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[list.length >> 1];
  console.log(`chunk of ${rows} rows of ${d}, ms (wall · CPU):`);
  for (const [i, [name, per]] of actions.entries()) console.log(`  ${name.padEnd(42)} ${(median(wall[i]) / per).toFixed(2)} · ${(median(cpu[i]) / per).toFixed(2)}`);
  closeSync(fd);
  classifier.dispose();
  rmSync(work, { recursive: true, force: true });
}

void main();
