// Dataset source formats, listed by the host and read record by record as the worker reads them:
// the real Fashion-MNIST IDX files (Debian's dataset-fashion-mnist), and CIFAR, NumPy and CSV
// datasets written here in their published layouts; class subsets; bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encode as encodePng } from 'fast-png';
import { listDataset } from '../../src/run/dataset';
import { resolveClasses } from '../../src/run/datasets/class-subset';
import { readArrayRecord } from '../../src/worker/images/array-record';
import { readTaskImage } from '../../src/worker/images/model-image';
import { parseArgs, usage } from '../../src/cli/args';
import { cifarBytes, idxBytes, littleEndianFloat32, littleEndianInt64, npyBytes, npzBytes } from './datasets-files';

const fashion = '/usr/share/datasets/fashion-mnist';
const testImages = join(fashion, 't10k-images-idx3-ubyte.gz');
const hasFashion = existsSync(testImages);

function withFolder(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rl-datasets-'));
  return run(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** The IDX file's bytes, decompressed whole: the independent reading the streamed one is checked against. */
function wholeIdx(path: string): Buffer {
  return gunzipSync(readFileSync(path));
}

test('Fashion-MNIST test IDX: 10 000 images, labels from the sibling file, records equal to the file bytes / 255', { skip: !hasFashion && 'dataset-fashion-mnist is not installed' }, async () => {
  const listing = await listDataset(testImages);
  assert.equal(listing.format, 'idx');
  assert.equal(listing.images.length, 10000);
  assert.deepEqual(listing.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const labels = wholeIdx(join(fashion, 't10k-labels-idx1-ubyte.gz')).subarray(8);
  const pixels = wholeIdx(testImages).subarray(16);
  for (const index of [0, 1, 1234, 9999]) {
    const task = listing.images.at(index)!;
    assert.equal(task.file, `t10k-images-idx3-ubyte.gz#${index}`);
    assert.equal(task.label, labels[index]);
  }
  // Read out of order on purpose: the worker's stream cursor restarts when asked to go back.
  for (const index of [1234, 5, 9999, 0]) {
    const raster = await readArrayRecord(listing.images.at(index)!.source!);
    assert.deepEqual([raster.width, raster.height, raster.channels], [28, 28, 1]);
    assert.deepEqual(Array.from(raster.data), Array.from(pixels.subarray(index * 784, (index + 1) * 784), (v) => Math.fround(v / 255)));
  }
  const rgb = await readTaskImage(listing.images.at(3)!, { height: 28, width: 28, channels: 3, shape: [28, 28, 3] });
  const gray = pixels.subarray(3 * 784, 4 * 784);
  assert.deepEqual(Array.from(rgb.pixels.subarray(0, 9)), [0, 1, 2].flatMap((i) => [gray[i], gray[i], gray[i]].map((v) => Math.fround(v / 255))), 'gray replicated for a 3-channel model');
  assert.equal(rgb.resized, null);
});

test('--classes 7,8 on Fashion-MNIST: Sneaker becomes label 0 and Bag label 1, renumbered for --limit/--sample', { skip: !hasFashion && 'dataset-fashion-mnist is not installed' }, async () => {
  const listing = await listDataset(testImages, undefined, { classes: ['7', '8'] });
  assert.deepEqual(listing.classes, ['7', '8']);
  assert.equal(listing.images.length, 2000);
  const labels = wholeIdx(join(fashion, 't10k-labels-idx1-ubyte.gz')).subarray(8);
  [...listing.images].forEach((task, i) => {
    assert.equal(task.index, i);
    assert.equal(task.label, labels[task.source!.index] - 7);
  });
  const named = await listDataset(testImages, undefined, { classes: ['8', '7'] });
  assert.equal([...named.images].find((task) => task.source!.index === listing.images.at(0)!.source!.index)!.label, 1, 'the order given is the output order');
});

test('IDX files truncated, gzipped or not: the complete records are listed and the rest is reported', async () => {
  await withFolder(async (dir) => {
    const data = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 7) % 256);
    const whole = idxBytes([5, 4, 3], data);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), whole.subarray(0, whole.length - 20));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([5], Uint8Array.from([0, 1, 0, 1, 1])));
    const plain = await listDataset(join(dir, 'train-images-idx3-ubyte'));
    assert.equal(plain.images.length, 3);
    assert.deepEqual(plain.skipped, ['train-images-idx3-ubyte#3-4']);
    assert.match(plain.skippedReasons[0].reason, /holds 3 complete images of the 5/);
    const record = await readArrayRecord(plain.images.at(2)!.source!);
    assert.deepEqual(Array.from(record.data), Array.from(data.subarray(24, 36), (v) => Math.fround(v / 255)));

    // Pseudo-random bytes barely compress, so half the gzip file holds about half the records.
    const noisy = Uint8Array.from({ length: 200 * 64 }, (_, i) => (i * 2654435761) >>> 24);
    const gzipped = gzipSync(idxBytes([200, 8, 8], noisy));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipped.subarray(0, gzipped.length >> 1));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), idxBytes([200], new Uint8Array(200), true));
    const gz = await listDataset(join(dir, 't10k-images-idx3-ubyte.gz'));
    assert.ok(gz.images.length > 0 && gz.images.length < 200, `${gz.images.length} complete records`);
    assert.match(gz.skippedReasons[0].reason, new RegExp(`^truncated: t10k-images-idx3-ubyte.gz holds ${gz.images.length} complete images of the 200`));
    const last = await readArrayRecord(gz.images.at(gz.images.length - 1)!.source!);
    assert.deepEqual(Array.from(last.data), Array.from(noisy.subarray((gz.images.length - 1) * 64, gz.images.length * 64), (v) => Math.fround(v / 255)));

    writeFileSync(join(dir, 'other-images-idx3-ubyte'), whole);
    await assert.rejects(listDataset(join(dir, 'other-images-idx3-ubyte')), /no labels file beside it \(other-labels-idx1-ubyte\.gz or other-labels-idx1-ubyte\); give one with --data-labels/);
    const given = await listDataset(join(dir, 'other-images-idx3-ubyte'), undefined, { dataLabels: join(dir, 'train-labels-idx1-ubyte') });
    assert.deepEqual([...given.images].map((task) => task.label), [0, 1, 0, 1, 1]);
    writeFileSync(join(dir, 'bad-images-idx3-ubyte'), Buffer.from('not an idx file at all'));
    await assert.rejects(listDataset(join(dir, 'bad-images-idx3-ubyte')), /^Error: bad-images-idx3-ubyte: not an IDX file \(bad magic number\)$/);
  });
});

test('CIFAR-10 and CIFAR-100 batches: planar RGB records become interleaved images, names from the meta file', async () => {
  await withFolder(async (dir) => {
    const rgb = (record: number) => (pixel: number, channel: number) => (record * 50 + pixel * 3 + channel * 100) % 256;
    writeFileSync(join(dir, 'test_batch.bin'), cifarBytes([0, 1, 2].map((r) => ({ labels: [[3, 9, 0][r]], rgb: rgb(r) }))));
    writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
    const ten = await listDataset(join(dir, 'test_batch.bin'));
    assert.equal(ten.format, 'cifar');
    assert.equal(ten.classes.length, 10);
    assert.deepEqual([...ten.images].map((task) => [task.file, ten.classes[task.label]]), [['test_batch.bin#0', 'cat'], ['test_batch.bin#1', 'truck'], ['test_batch.bin#2', 'airplane']]);
    const record = await readArrayRecord(ten.images.at(1)!.source!);
    assert.deepEqual([record.width, record.height, record.channels], [32, 32, 3]);
    for (const pixel of [0, 33, 1023]) for (let c = 0; c < 3; c++) assert.equal(record.data[pixel * 3 + c], Math.fround(rgb(1)(pixel, c) / 255));

    writeFileSync(join(dir, 'test.bin'), cifarBytes([{ labels: [4, 72], rgb: rgb(0) }, { labels: [1, 99], rgb: rgb(1) }]));
    const hundred = await listDataset(join(dir, 'test.bin'));
    assert.deepEqual([...hundred.images].map((task) => task.label), [72, 99], 'the fine label');
    assert.equal(hundred.classes.length, 100);
  });
});

test('NumPy .npy pairs: uint8 NHWC and float32 NCHW images, int64 labels; float values outside [0, 1] are refused', async () => {
  await withFolder(async (dir) => {
    const hwc = Uint8Array.from({ length: 4 * 2 * 3 * 3 }, (_, i) => (i * 11) % 256);
    writeFileSync(join(dir, 'x_test.npy'), npyBytes('|u1', [4, 2, 3, 3], hwc));
    writeFileSync(join(dir, 'y_test.npy'), npyBytes('<i8', [4], littleEndianInt64([1, 0, 1, 1])));
    const listing = await listDataset(join(dir, 'x_test.npy'));
    assert.equal(listing.format, 'npy');
    assert.deepEqual(listing.classes, ['0', '1']);
    assert.deepEqual([...listing.images].map((task) => task.label), [1, 0, 1, 1]);
    const third = await readArrayRecord(listing.images.at(2)!.source!);
    assert.deepEqual([third.height, third.width, third.channels], [2, 3, 3]);
    assert.deepEqual(Array.from(third.data), Array.from(hwc.subarray(36, 54), (v) => Math.fround(v / 255)));

    const chw = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i / 24);
    writeFileSync(join(dir, 'images.npy'), npyBytes('<f4', [2, 3, 2, 2], littleEndianFloat32(chw)));
    writeFileSync(join(dir, 'labels.npy'), npyBytes('|u1', [2, 1], Uint8Array.from([2, 0])));
    const planar = await listDataset(join(dir, 'images.npy'), undefined, { classes: ['2'] });
    assert.deepEqual([...planar.images].map((task) => [task.file, task.label]), [['images.npy#0', 0]]);
    const image = await readArrayRecord(planar.images.at(0)!.source!);
    // Pixel (row 1, column 0) of image 0: channel c at c·4 + 2 in the planar array.
    assert.deepEqual(Array.from(image.data.subarray(6, 9)), [2, 6, 10].map((i) => Math.fround(i / 24)));

    writeFileSync(join(dir, 'x_big.npy'), npyBytes('<f4', [1, 1, 2], littleEndianFloat32([0, 255])));
    const big = await listDataset(join(dir, 'x_big.npy'), undefined, { dataLabels: join(dir, 'labels.npy') });
    await assert.rejects(readArrayRecord(big.images.at(0)!.source!), /npy record 0: float pixel values must lie in \[0, 1\], found 0…255 \(divide 0–255 values by 255\)/);

    const truncated = npyBytes('|u1', [4, 2, 3, 3], hwc);
    writeFileSync(join(dir, 'x_cut.npy'), truncated.subarray(0, truncated.length - 30));
    writeFileSync(join(dir, 'y_cut.npy'), npyBytes('<i8', [4], littleEndianInt64([1, 0, 1, 1])));
    const cut = await listDataset(join(dir, 'x_cut.npy'));
    assert.equal(cut.images.length, 2);
    assert.deepEqual(cut.skipped, ['x_cut.npy#2-3']);
  });
});

test('NumPy .npz, stored and compressed: the images/labels pair, one array chosen among several, a missing labels array', async () => {
  await withFolder(async (dir) => {
    const images = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
    const x = npyBytes('|u1', [3, 2, 2], images);
    const y = npyBytes('<i8', [3], littleEndianInt64([0, 2, 1]));
    for (const compressed of [false, true]) {
      const name = compressed ? 'compressed.npz' : 'stored.npz';
      writeFileSync(join(dir, name), npzBytes({ x, y }, compressed));
      const listing = await listDataset(join(dir, name));
      assert.equal(listing.format, 'npz');
      assert.deepEqual([...listing.images].map((task) => [task.file, task.label]), [0, 2, 1].map((label, i) => [`${name}#${i}`, label]));
      assert.equal(listing.images.at(0)!.source!.encoding, compressed ? 'deflate' : 'plain');
      for (const index of [2, 0]) {
        const record = await readArrayRecord(listing.images.at(index)!.source!);
        assert.deepEqual(Array.from(record.data), Array.from(images.subarray(index * 4, index * 4 + 4), (v) => Math.fround(v / 255)));
      }
    }
    writeFileSync(join(dir, 'mnist.npz'), npzBytes({ x_train: x, y_train: y, x_test: x, y_test: npyBytes('<i8', [3], littleEndianInt64([1, 1, 0])) }, true));
    await assert.rejects(listDataset(join(dir, 'mnist.npz')), /mnist\.npz holds several images arrays \(x_test, x_train\): choose one with --data mnist\.npz#x_test/);
    const chosen = await listDataset(join(dir, 'mnist.npz#x_test'));
    assert.deepEqual([...chosen.images].map((task) => [task.file, task.label]), [['mnist.npz#x_test#0', 1], ['mnist.npz#x_test#1', 1], ['mnist.npz#x_test#2', 0]]);
    writeFileSync(join(dir, 'unlabelled.npz'), npzBytes({ images: x }, false));
    await assert.rejects(listDataset(join(dir, 'unlabelled.npz')), /unlabelled\.npz: no labels array for images \(expected labels; it holds images\); give one with --data-labels/);
  });
});

test('a flat folder with a file,label CSV: class names sorted, a missing file skipped with its reason', async () => {
  await withFolder(async (dir) => {
    const png = (value: number) => encodePng({ width: 2, height: 2, channels: 1, depth: 8, data: new Uint8Array(4).fill(value) });
    writeFileSync(join(dir, 'b.png'), png(10));
    writeFileSync(join(dir, 'a.png'), png(200));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    writeFileSync(join(dir, 'labels.csv'), 'file,label\nb.png,dog\na.png,cat\nmissing.png,cat\nnotes.txt,dog\n');
    const listing = await listDataset(dir);
    assert.equal(listing.format, 'csv');
    assert.deepEqual(listing.classes, ['cat', 'dog']);
    assert.deepEqual([...listing.images].map((task) => [task.file, task.label]), [['a.png', 0], ['b.png', 1]]);
    assert.deepEqual(listing.skippedReasons, [
      { file: 'missing.png', reason: 'missing (listed in labels.csv)' },
      { file: 'notes.txt', reason: 'not an image this tool reads (listed in labels.csv)' },
    ]);
    const direct = await listDataset(join(dir, 'labels.csv'), undefined, { classes: ['dog'] });
    assert.deepEqual([...direct.images].map((task) => [task.file, task.label]), [['b.png', 0]]);
  });
});

test('--classes takes names or indices, and refuses unknown and repeated classes', () => {
  const classes = ['7_Sneaker', '8_Bag', 'other'];
  assert.deepEqual(resolveClasses(['8_Bag', '0'], classes), [1, 0]);
  assert.throws(() => resolveClasses(['Sandal'], classes), /--classes: "Sandal" is neither a class name nor a class index 0…2 of the data \(7_Sneaker, 8_Bag, other\)/);
  assert.throws(() => resolveClasses(['1', '8_Bag'], classes), /--classes names class "8_Bag" twice/);
});

test('--classes and --data-labels on the command line', () => {
  const base = ['check', '--model', 'm.json', '--data', 'x.npy', '--out', 'o'];
  const parsed = parseArgs([...base, '--classes', ' 7, 8 ', '--data-labels', 'y.npy']);
  assert.ok(parsed.kind === 'check');
  assert.deepEqual(parsed.options.classes, ['7', '8']);
  assert.equal(parsed.options.dataLabels, 'y.npy');
  assert.throws(() => parseArgs([...base, '--classes', '7,,8']), /--classes must be a comma list of class names or indices, got "7,,8"/);
  assert.throws(() => parseArgs([...base, '--classes', '7,7']), /--classes lists a class twice/);
  assert.match(usage, /--data-labels <file>/);
  assert.match(usage, /--classes <list>/);
});
