// An HDF5 dataset gives the same report as the same images as PNG files: the demo model
// (Fashion-MNIST Sneaker vs Bag) run by the built command line on test images written to an .h5
// (gzip-chunked, as h5py writes `compression="gzip"`) with their original labels and --classes 7,8,
// and on the same images as PNG class folders. Needs Debian's dataset-fashion-mnist and `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { readIdxSplit } from '../../scripts/idx';
import { h5wasm } from '../../src/worker/hdf5/library';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const model = join(root, 'media', 'demo', 'model', 'model.json');
const fashion = '/usr/share/datasets/fashion-mnist';
const imageCount = Number(process.env.RL_SAME_REPORT_IMAGES ?? 24);
const sampleCount = String(process.env.RL_SAME_REPORT_SAMPLES ?? 200);
const skip = !existsSync(join(fashion, 't10k-images-idx3-ubyte.gz')) ? 'dataset-fashion-mnist is not installed' : !existsSync(cli) ? 'dist/cli.js is not built' : false;

function check(data: string, out: string, extra: string[]): Report {
  const run = spawnSync(process.execPath, [cli, 'check', '--model', model, '--data', data, '--out', out, '--samples', sampleCount, '--seed', '3', '--workers', '2', '--details', '0', ...extra], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
}

const comparable = (record: ImageRecord) => ({ label: record.label, predicted: record.predicted, adversarial: record.adversarial, random: record.random, probabilities: record.probabilities });

test('HDF5 records and the same images as PNG files give the same report, image by image', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-hdf5-cli-'));
  try {
    // The first test Sneakers (7) and Bags (8), alternating, with one T-shirt (0) that --classes leaves out.
    const split = readIdxSplit(fashion, 't10k');
    const sneakers: number[] = [];
    const bags: number[] = [];
    for (let i = 0; i < split.labels.length && sneakers.length + bags.length < imageCount; i++) {
      if (split.labels[i] === 7 && sneakers.length < imageCount / 2) sneakers.push(i);
      if (split.labels[i] === 8 && bags.length < imageCount / 2) bags.push(i);
    }
    const chosen = [split.labels.indexOf(0), ...sneakers.flatMap((sneaker, k) => [sneaker, bags[k]])];
    const pixels = new Uint8Array(chosen.length * 784);
    chosen.forEach((index, k) => pixels.set(split.images.subarray(index * 784, (index + 1) * 784), k * 784));
    const h5 = await h5wasm();
    const file = new h5.File(join(dir, 'fashion.h5'), 'w');
    file.create_dataset({ name: 'x_test', data: pixels, shape: [chosen.length, 28, 28], dtype: '<B', chunks: [1, 28, 28], compression: 'gzip' });
    file.create_dataset({ name: 'y_test', data: BigInt64Array.from(chosen, (index) => BigInt(split.labels[index])), shape: [chosen.length], dtype: '<q' });
    file.close();

    const fromHdf5 = check(join(dir, 'fashion.h5'), join(dir, 'h5-out'), ['--classes', '7,8']);
    assert.equal(fromHdf5.config.dataFormat, 'hdf5');
    assert.deepEqual(fromHdf5.config.classes, ['7', '8']);
    assert.equal(fromHdf5.images.length, chosen.length - 1);

    const folders = ['7_Sneaker', '8_Bag'];
    const pngFile = new Map<number, string>();
    chosen.forEach((index, k) => {
      const label = split.labels[index] - 7;
      if (label < 0) return;
      const file = `${folders[label]}/${String(index).padStart(5, '0')}.png`;
      mkdirSync(join(dir, 'png', folders[label]), { recursive: true });
      writeFileSync(join(dir, 'png', file), encodePng({ width: 28, height: 28, channels: 1, depth: 8, data: pixels.subarray(k * 784, (k + 1) * 784) }));
      pngFile.set(k, file);
    });
    const fromPng = check(join(dir, 'png'), join(dir, 'png-out'), []);
    const pngByFile = new Map(fromPng.images.map((record) => [record.file, record]));
    assert.ok(fromHdf5.images.some((record) => record.adversarial !== null), 'some image is susceptible');
    for (const record of fromHdf5.images) {
      const twin = pngByFile.get(pngFile.get(Number(/^fashion\.h5#(\d+)$/.exec(record.file)![1]))!);
      assert.ok(twin, `no PNG result for ${record.file}`);
      assert.deepEqual(comparable(record), comparable(twin), record.file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
