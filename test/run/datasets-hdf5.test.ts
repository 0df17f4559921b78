// HDF5 datasets written by h5py (test/fixtures/hdf5/make_hdf5_fixtures.py): listed from their
// shapes and labels, each record read by hyperslab as the worker reads it; an HDF5 file that is a
// Keras model or holds no images, given as --data, and an HDF5 dataset given as --model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listDataset } from '../../src/run/dataset';
import { datasetFormatOf } from '../../src/run/datasets/index';
import { readArrayRecord } from '../../src/worker/images/array-record';
import { readKerasConfig } from '../../src/worker/model/keras/keras-file';
import { h5wasm } from '../../src/worker/hdf5/library';
import { littleEndianInt64, npyBytes } from './datasets-files';

const fixtures = join(__dirname, '..', 'fixtures', 'hdf5');
const kerasModel = join(__dirname, '..', 'fixtures', 'keras', 'keras2-cnn.h5');

/** make_hdf5_fixtures.py's pattern: element i of an array is (i · 7) mod scale. */
const pattern = (from: number, count: number, scale: number) => Array.from({ length: count }, (_, i) => ((from + i) * 7) % scale);

test('an h5py file with x_test/y_test among x_train/y_train: one dataset chosen with #, records named file#dataset#record', async () => {
  const path = join(fixtures, 'keras-style.h5');
  assert.equal((await datasetFormatOf(path))?.name, 'hdf5');
  await assert.rejects(listDataset(path), /^Error: keras-style\.h5 holds several images datasets \(x_test, x_train\): choose one with --data keras-style\.h5#x_test$/);
  const listing = await listDataset(`${path}#x_test`);
  assert.equal(listing.format, 'hdf5');
  assert.deepEqual(listing.classes, ['0', '1', '2']);
  assert.deepEqual([...listing.images].map((task) => [task.file, task.label]), [0, 1, 2, 1, 0].map((label, i) => [`keras-style.h5#x_test#${i}`, label]));
  for (const index of [3, 0, 4]) {
    const raster = await readArrayRecord(listing.images.at(index)!.source!);
    assert.deepEqual([raster.height, raster.width, raster.channels], [4, 3, 1]);
    assert.deepEqual(Array.from(raster.data), pattern(index * 12, 12, 256).map((v) => Math.fround(v / 255)));
  }
  const subset = await listDataset(`${path}#x_test`, undefined, { classes: ['2', '1'] });
  assert.deepEqual([...subset.images].map((task) => [task.file, task.label]), [['keras-style.h5#x_test#1', 1], ['keras-style.h5#x_test#2', 0], ['keras-style.h5#x_test#3', 1]]);
});

test('a gzip-chunked float32 NHWC dataset in a group, labels (N, 1); uint16 NCHW with float labels', async () => {
  const chunked = await listDataset(join(fixtures, 'chunked-rgb.h5'));
  assert.deepEqual([...chunked.images].map((task) => [task.file, task.label]), [1, 0, 1, 1].map((label, i) => [`chunked-rgb.h5#${i}`, label]));
  assert.equal(chunked.images.at(0)!.source!.dataset, 'test/images');
  const second = await readArrayRecord(chunked.images.at(2)!.source!);
  assert.deepEqual([second.height, second.width, second.channels], [3, 2, 3]);
  assert.deepEqual(Array.from(second.data), pattern(2 * 18, 18, 101).map((v) => Math.fround(v / 100)));

  const planar = await listDataset(join(fixtures, 'planar.h5'));
  assert.deepEqual([...planar.images].map((task) => task.label), [1, 0, 1]);
  const image = await readArrayRecord(planar.images.at(1)!.source!);
  assert.deepEqual([image.height, image.width, image.channels], [2, 2, 3]);
  // Pixel p, channel c of record 1 is element 12 + c·4 + p of the planar array.
  const stored = pattern(12, 12, 65536);
  assert.deepEqual(Array.from(image.data), [0, 1, 2, 3].flatMap((p) => [0, 1, 2].map((c) => Math.fround(stored[c * 4 + p] / 65535))));
});

test('bad HDF5 datasets: a Keras model or a file without images as --data, a dataset as --model, one line each', async () => {
  await assert.rejects(listDataset(kerasModel), /^Error: keras2-cnn\.h5 is a Keras model \(it has a model_config attribute\), not a dataset: give it as --model$/);
  await assert.rejects(
    listDataset(join(fixtures, 'no-images.h5')),
    /^Error: no-images\.h5: no images dataset \(3 or 4 axes, named like x or images\) among labels \(10\), weights \(10\)$/,
  );
  await assert.rejects(listDataset(join(fixtures, 'keras-style.h5#x_val')), /^Error: keras-style\.h5: no dataset named x_val \(it holds x_test \(5, 4, 3\), x_train \(2, 4, 3\), y_test \(5\), y_train \(2\)\)$/);
  await assert.rejects(listDataset(join(fixtures, 'missing.h5')), /^Error: data file not found: .*missing\.h5$/);
  await assert.rejects(readKerasConfig(join(fixtures, 'chunked-rgb.h5')), /^Error: chunked-rgb\.h5 is an HDF5 file but not a Keras model \(no model_config attribute; it holds test\): an HDF5 dataset goes to --data$/);
});

test('--data-labels for an HDF5 dataset: a labels .npy, or an HDF5 file with a labels dataset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-hdf5-labels-'));
  try {
    writeFileSync(join(dir, 'y.npy'), npyBytes('<i8', [3], littleEndianInt64([0, 0, 1])));
    const fromNpy = await listDataset(join(fixtures, 'planar.h5'), undefined, { dataLabels: join(dir, 'y.npy') });
    assert.deepEqual([...fromNpy.images].map((task) => task.label), [0, 0, 1]);
    const h5 = await h5wasm();
    const file = new h5.File(join(dir, 'labels.h5'), 'w');
    file.create_dataset({ name: 'labels', data: Uint8Array.from([1, 1, 0]), shape: [3], dtype: '<B' });
    file.close();
    const fromHdf5 = await listDataset(join(fixtures, 'planar.h5'), undefined, { dataLabels: join(dir, 'labels.h5') });
    assert.deepEqual([...fromHdf5.images].map((task) => task.label), [1, 1, 0]);
    await assert.rejects(listDataset(join(fixtures, 'planar.h5'), undefined, { dataLabels: join(dir, 'none.npy') }), /^Error: labels file not found: .*none\.npy$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
