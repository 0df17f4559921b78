// The bench's dataset memory measurement (src/bench/dataset-memory.ts) on a small IDX pair written
// here: each size is listed and read in a fresh process running the real listing, the pool's task
// queue and the worker's reader (every record read, the checksum says so), sizes beyond the file
// repeat its records; and its flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDatasetMemory, measureDatasetMemory } from '../../src/bench/dataset-memory';
import { BenchUsageError, parseBenchArgs, type BenchOptions } from '../../src/bench/options';
import { idxBytes } from '../run/datasets-files';

const mainScript = join(__dirname, '..', '..', 'src', 'bench', 'main.ts');

test('each size listed and read in a fresh process; sizes beyond the file repeat its records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-dataset-memory-'));
  try {
    const records = 8;
    const pixels = Uint8Array.from({ length: records * 4 * 4 }, (_, i) => (i * 13) % 256);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), idxBytes([records, 4, 4], pixels, true));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), idxBytes([records], Uint8Array.from({ length: records }, (_, i) => i % 2), true));
    const lines: string[] = [];
    const section = await measureDatasetMemory({ file: join(dir, 'train-images-idx3-ubyte.gz'), sizes: [5, 20] }, join(dir, 'work'), (line) => lines.push(line), mainScript, ['--import', 'tsx']);
    assert.equal(section.fileImages, records);
    assert.deepEqual(section.passes.map((pass) => pass.images), [5, 20]);
    const firstPixelSum = (count: number) => Array.from({ length: count }, (_, i) => Math.fround(pixels[(i % records) * 16] / 255)).reduce((a, b) => a + b, 0);
    for (const pass of section.passes) {
      assert.ok(Math.abs(pass.checksum - firstPixelSum(pass.images)) < 1e-5, `checksum of ${pass.images} images`);
      assert.ok(pass.startMB > 0 && pass.startMB <= pass.listedMB && pass.listedMB <= pass.readMB, JSON.stringify(pass));
      assert.ok(pass.heldMB > 0);
    }
    assert.equal(lines.length, 2);
    assert.match(formatDatasetMemory(section), /\| 20 \| \d+ \| \d+ \| \d+ \| [\d.]+ \| [\d.]+ \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--dataset-memory and --dataset-memory-sizes', () => {
  const parse = (argv: string[]) => parseBenchArgs(argv) as BenchOptions;
  assert.equal(parse([]).datasetMemory, null);
  assert.deepEqual(parse(['--dataset-memory', 'x.gz']).datasetMemory, { file: 'x.gz', sizes: [10000, 30000, 60000] });
  assert.deepEqual(parse(['--dataset-memory', 'x.gz', '--dataset-memory-sizes', '100,200']).datasetMemory, { file: 'x.gz', sizes: [100, 200] });
  assert.throws(() => parse(['--dataset-memory-sizes', '100']), new BenchUsageError('--dataset-memory-sizes needs --dataset-memory'));
  assert.throws(() => parse(['--dataset-memory']), new BenchUsageError('--dataset-memory needs an IDX images file'));
});
