// The same images give the same report whatever file format they come in: the demo model (Fashion-MNIST
// Sneaker vs Bag) run by the built command line on the real test IDX file with --classes 7,8, and on
// the same images written as PNG class folders. Needs Debian's dataset-fashion-mnist and `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { listDataset, selectImages } from '../../src/run/dataset';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { readIdxSplit } from '../../scripts/idx';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const model = join(root, 'media', 'demo', 'model', 'model.json');
const fashion = '/usr/share/datasets/fashion-mnist';
const images = join(fashion, 't10k-images-idx3-ubyte.gz');
// Small by default; RL_SAME_REPORT_IMAGES=100 RL_SAME_REPORT_SAMPLES=2000 runs the paper's protocol on 100 images (README).
const imageCount = Number(process.env.RL_SAME_REPORT_IMAGES ?? 24);
const sampleCount = String(process.env.RL_SAME_REPORT_SAMPLES ?? 200);
const skip = !existsSync(images) ? 'dataset-fashion-mnist is not installed' : !existsSync(cli) ? 'dist/cli.js is not built' : false;

function check(data: string, out: string, extra: string[]): Report {
  const run = spawnSync(process.execPath, [cli, 'check', '--model', model, '--data', data, '--out', out, '--samples', sampleCount, '--seed', '3', '--workers', '2', '--details', '0', ...extra], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
}

const comparable = (record: ImageRecord) => ({ label: record.label, predicted: record.predicted, adversarial: record.adversarial, random: record.random, probabilities: record.probabilities });

test('IDX records and the same images as PNG files give the same report, image by image', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-datasets-cli-'));
  try {
    const fromIdx = check(images, join(dir, 'idx'), ['--classes', '7,8', '--sample', String(imageCount)]);
    assert.equal(fromIdx.config.dataFormat, 'idx');
    assert.deepEqual(fromIdx.config.classes, ['7', '8']);
    assert.deepEqual(fromIdx.config.classSubset, ['7', '8']);
    assert.equal(fromIdx.images.length, imageCount);

    // The same images, written as 8-bit gray PNGs in class folders named in the same order.
    const listing = await listDataset(images, undefined, { classes: ['7', '8'] });
    const chosen = selectImages(listing.images, { sample: imageCount });
    const split = readIdxSplit(fashion, 't10k');
    const folders = ['7_Sneaker', '8_Bag'];
    const pngFile = new Map<number, string>();
    for (const task of chosen) {
      const index = task.source!.index;
      const file = `${folders[task.label]}/${String(index).padStart(5, '0')}.png`;
      mkdirSync(join(dir, 'png', folders[task.label]), { recursive: true });
      writeFileSync(join(dir, 'png', file), encodePng({ width: 28, height: 28, channels: 1, depth: 8, data: split.images.subarray(index * 784, (index + 1) * 784) }));
      pngFile.set(index, file);
    }
    const fromPng = check(join(dir, 'png'), join(dir, 'png-out'), []);
    assert.equal(fromPng.config.dataFormat, 'folder');
    const pngByFile = new Map(fromPng.images.map((record) => [record.file, record]));
    assert.ok(fromIdx.images.some((record) => record.adversarial !== null), 'some image is susceptible');
    for (const record of fromIdx.images) {
      const index = Number(/#(\d+)$/.exec(record.file)![1]);
      const twin = pngByFile.get(pngFile.get(index)!);
      assert.ok(twin, `no PNG result for ${record.file}`);
      assert.deepEqual(comparable(record), comparable(twin), record.file);
    }
    // The images come in another order (record index, class folder), so the norms' means may differ in the last bit.
    const { adversarial: a, ...counts } = fromIdx.summary;
    const { adversarial: b, ...pngCounts } = fromPng.summary;
    assert.deepEqual(counts, pngCounts);
    assert.equal(a.susceptible, b.susceptible);
    for (const norm of ['l2', 'l1', 'linf'] as const) {
      for (const stat of ['mean', 'std', 'median'] as const) assert.ok(Math.abs(a[norm][stat] - b[norm][stat]) <= 1e-9 * Math.abs(b[norm][stat]), `${norm} ${stat}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
