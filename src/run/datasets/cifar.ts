/**
 * CIFAR-10 and CIFAR-100 binary batches (www.cs.toronto.edu/~kriz/cifar.html): records of label
 * byte(s) then 3072 bytes, the 1024 red, 1024 green and 1024 blue values of a 32×32 image, row by
 * row. CIFAR-10 (`data_batch_<n>.bin`, `test_batch.bin`) has one label byte; CIFAR-100
 * (`train.bin`, `test.bin`) a coarse and a fine one, and the fine label (100 classes) is used.
 * Class names come from `batches.meta.txt` / `fine_label_names.txt` beside the file, or --labels.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DatasetListing } from '../dataset';
import { readPlain } from './byte-stream';
import { arrayListing, classNamesOf, type ArrayImages, type DatasetChoices, type DatasetFormat } from './source';

const side = 32;
const imageBytes = 3 * side * side;

export interface CifarLayout {
  variant: 'cifar-10' | 'cifar-100';
  /** Label bytes before each image; the label used is the last of them. */
  labelBytes: 1 | 2;
  namesFile: string;
}

const cifar10: CifarLayout = { variant: 'cifar-10', labelBytes: 1, namesFile: 'batches.meta.txt' };
const cifar100: CifarLayout = { variant: 'cifar-100', labelBytes: 2, namesFile: 'fine_label_names.txt' };

const cifar10Name = /^(data_batch_\d+|test_batch)\.bin$/i;
const cifar100Name = /^(train|test)\.bin$/i;

/** The layout of a batch file, from its name (the two datasets' batches are named apart); null when it is not a CIFAR batch. */
export function cifarLayoutOf(name: string): CifarLayout | null {
  return cifar10Name.test(name) ? cifar10 : cifar100Name.test(name) ? cifar100 : null;
}

export const cifarFormat: DatasetFormat = {
  name: 'cifar',
  extensions: ['bin'],
  async recognises(path, isDirectory) {
    return !isDirectory && cifarLayoutOf(basename(path)) !== null;
  },
  list: listCifar,
};

async function listCifar(path: string, choices: DatasetChoices): Promise<DatasetListing> {
  const name = basename(path);
  const size = (await stat(path)).size;
  const layout = cifarLayoutOf(name);
  if (layout === null) throw new Error(`${name}: not a CIFAR batch name (data_batch_<n>.bin, test_batch.bin; train.bin, test.bin)`);
  const stride = layout.labelBytes + imageBytes;
  const count = Math.floor(size / stride);
  const labels = new Uint8Array(count);
  // The labels are spread through the file: read them a block of records at a time.
  const block = 1024;
  for (let first = 0; first < count; first += block) {
    const records = Math.min(block, count - first);
    const bytes = await readPlain(path, first * stride, records * stride);
    for (let i = 0; i < records; i++) labels[first + i] = bytes[i * stride + layout.labelBytes - 1];
  }
  const images: ArrayImages = {
    format: 'cifar',
    path,
    place: { encoding: 'plain', start: 0 },
    firstRecord: 0,
    stride,
    skip: layout.labelBytes,
    count: size % stride === 0 ? count : count + 1,
    available: count,
    damage: size % stride === 0 ? null : 'truncated',
    dtype: 'uint8',
    littleEndian: true,
    layout: 'chw',
    height: side,
    width: side,
    channels: 3,
  };
  const namesPath = join(dirname(path), layout.namesFile);
  const shipped = existsSync(namesPath) ? (await readFile(namesPath, 'utf8')).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '') : null;
  return arrayListing(images, labels, name, classNamesOf(labels, choices.labelsFile, shipped));
}
