/**
 * HDF5 files holding an images dataset and a labels dataset, as h5py writes them (Keras-style and
 * SVHN-style exports: `x_test`/`y_test`, `images`/`labels`, `X`/`y`, at the root or in a group).
 * Images are (N, H, W), (N, H, W, C) or (N, C, H, W) like NumPy arrays, uint8 or uint16 (scaled to
 * [0, 1]) or float in [0, 1], stored contiguously or in chunks, compressed or not: HDF5 (h5wasm)
 * reads them. The host reads only the datasets' shapes and the labels; each worker reads its
 * records by hyperslab. `--data file.h5#name` chooses the images among several datasets.
 */
import type * as H5 from 'h5wasm';
import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ArrayRecordSource } from '../../protocol/messages';
import { h5wasm, hasHdf5Signature, openHdf5File } from '../../worker/hdf5/library';
import type { DatasetListing } from '../dataset';
import { imagesArrayName, imagesGeometryOf, labelNamesFor, labelsFromNpy } from './numpy';
import { arrayListing, classNamesOf, type ArrayImages, type DatasetChoices, type DatasetFormat } from './source';

/** HDF5's type classes, as h5wasm's metadata gives them. */
const integerClass = 0;
const floatClass = 1;
/** Groups below the root searched for the images (h5py files nest them at most a level or two). */
const searchDepth = 3;

interface Hdf5Array {
  /** Path from the root, without the leading '/'. */
  path: string;
  shape: number[];
  metadata: H5.Metadata;
}

export const hdf5Format: DatasetFormat = {
  name: 'hdf5',
  extensions: ['h5', 'hdf5'],
  async recognises(path, isDirectory) {
    return !isDirectory && /\.(h5|hdf5|he5)(#[^\\]+)?$/i.test(path);
  },
  list: listHdf5,
};

async function listHdf5(data: string, choices: DatasetChoices): Promise<DatasetListing> {
  const [path, wanted] = splitDataset(data);
  const name = basename(path);
  if (!existsSync(path)) throw new Error(`data file not found: ${path}`);
  if (!(await hasHdf5Signature(path))) throw new Error(`${name} is not an HDF5 file`);
  const file = await openHdf5File(path, name);
  try {
    if (file.attrs['model_config'] !== undefined) throw new Error(`${name} is a Keras model (it has a model_config attribute), not a dataset: give it as --model`);
    const arrays = await numericDatasets(file);
    const chosen = wanted ?? chooseImages(arrays, name);
    const imagesArray = arrays.find((array) => array.path === chosen);
    if (!imagesArray) throw new Error(`${name}: no dataset named ${chosen} (it holds ${describe(arrays)})`);
    const source = `${name}#${chosen}`;
    const images = imagesOf(imagesArray, path, source);
    const { labels, labelsName } = await labelsFor(file, arrays, chosen, name, choices);
    // Named like an .npz's records: data.h5#x_test#12 when a dataset was chosen among several.
    return arrayListing(images, labels, labelsName, classNamesOf(labels, choices.labelsFile, null), wanted === undefined ? name : `${name}#${chosen}`);
  } finally {
    file.close();
  }
}

/** `data.h5#x_test` → the file and the dataset. */
function splitDataset(data: string): [string, string | undefined] {
  const match = /^(.*\.(?:h5|hdf5|he5))#(.+)$/i.exec(data);
  return match ? [match[1], match[2].replace(/^\//, '')] : [data, undefined];
}

/** Every integer or float dataset of the file, down to searchDepth groups. */
async function numericDatasets(file: H5.File): Promise<Hdf5Array[]> {
  const h5 = await h5wasm();
  const found: Hdf5Array[] = [];
  const visit = (group: H5.Group, prefix: string, depth: number) => {
    for (const key of group.keys()) {
      const entry = group.get(key);
      const path = prefix === '' ? key : `${prefix}/${key}`;
      if (entry instanceof h5.Dataset) {
        const metadata = entry.metadata;
        if (metadata.type === integerClass || metadata.type === floatClass) found.push({ path, shape: entry.shape ?? [], metadata });
      } else if (entry instanceof h5.Group && depth < searchDepth) {
        visit(entry, path, depth + 1);
      }
    }
  };
  visit(file, '', 0);
  return found;
}

const leafName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const imageLike = (array: Hdf5Array) => array.shape.length === 3 || array.shape.length === 4;

/** The one images dataset: named like x or images with 3 or 4 axes, else the only dataset with 3 or 4 axes. */
function chooseImages(arrays: Hdf5Array[], name: string): string {
  const named = arrays.filter((array) => imageLike(array) && imagesArrayName.test(leafName(array.path)));
  const candidates = named.length > 0 ? named : arrays.filter(imageLike);
  if (candidates.length === 1) return candidates[0].path;
  if (candidates.length === 0) throw new Error(`${name}: no images dataset (3 or 4 axes, named like x or images) among ${describe(arrays)}`);
  const paths = candidates.map((array) => array.path);
  throw new Error(`${name} holds several images datasets (${paths.join(', ')}): choose one with --data ${name}#${paths[0]}`);
}

function describe(arrays: Hdf5Array[]): string {
  return arrays.length === 0 ? 'no numeric datasets' : arrays.map((array) => `${array.path} (${array.shape.join(', ')})`).join(', ');
}

function imagesOf(array: Hdf5Array, path: string, source: string): ArrayImages {
  const { count, height, width, channels, layout } = imagesGeometryOf(array.shape, source);
  return {
    format: 'hdf5',
    path,
    place: { encoding: 'hdf5', start: 0 },
    dataset: array.path,
    firstRecord: 0,
    stride: 0,
    skip: 0,
    count,
    available: count,
    damage: null,
    dtype: dtypeOf(array.metadata, source),
    littleEndian: true,
    layout,
    height,
    width,
    channels,
  };
}

function dtypeOf(metadata: H5.Metadata, source: string): ArrayRecordSource['dtype'] {
  const { type, size, signed, littleEndian } = metadata;
  if (!littleEndian && size > 1) throw new Error(`${source}: big-endian images are not supported (store them little-endian, as h5py does)`);
  if (type === integerClass && !signed && size === 1) return 'uint8';
  if (type === integerClass && !signed && size === 2) return 'uint16';
  if (type === floatClass && size === 4) return 'float32';
  if (type === floatClass && size === 8) return 'float64';
  const kind = type === floatClass ? 'float' : signed ? 'int' : 'uint';
  throw new Error(`${source}: images of type ${kind}${size * 8} are not supported (uint8, uint16, float32, float64)`);
}

/** The labels: --data-labels (an .npy, or an HDF5 file's labels dataset), else the dataset beside the images named like y or labels. */
async function labelsFor(file: H5.File, arrays: Hdf5Array[], chosen: string, name: string, choices: DatasetChoices): Promise<{ labels: number[]; labelsName: string }> {
  if (choices.dataLabels !== undefined) return labelsFromFile(choices.dataLabels);
  const group = chosen.includes('/') ? chosen.slice(0, chosen.lastIndexOf('/') + 1) : '';
  const leaf = leafName(chosen);
  const expected = [...labelNamesFor(leaf), 'y', 'labels', 'label', 'targets'];
  const labelsArray = expected.map((candidate) => arrays.find((array) => array.path === `${group}${candidate}`)).find((array) => array !== undefined);
  if (!labelsArray) throw new Error(`${name}: no labels dataset for ${chosen} (expected ${group}${labelNamesFor(leaf)[0] ?? 'y'} or ${group}labels; it holds ${describe(arrays)}); give one with --data-labels`);
  const labelsName = `${name}#${labelsArray.path}`;
  return { labels: await readLabelsDataset(file, labelsArray, labelsName), labelsName };
}

async function labelsFromFile(labelsPath: string): Promise<{ labels: number[]; labelsName: string }> {
  const labelsName = basename(labelsPath);
  if (!existsSync(labelsPath)) throw new Error(`labels file not found: ${labelsPath}`);
  if (extname(labelsPath).toLowerCase() === '.npy') return { labels: await labelsFromNpy({ path: labelsPath, encoding: 'plain', start: 0 }, labelsName), labelsName };
  if (!(await hasHdf5Signature(labelsPath))) throw new Error(`${labelsName}: labels for an HDF5 dataset come from an .npy or an HDF5 file`);
  const file = await openHdf5File(labelsPath, labelsName);
  try {
    const arrays = (await numericDatasets(file)).filter((array) => array.shape.length === 1 || (array.shape.length === 2 && array.shape[1] === 1));
    const labelsArray = arrays.find((array) => /^(y|labels?|targets)($|[_.-])/i.test(leafName(array.path))) ?? (arrays.length === 1 ? arrays[0] : undefined);
    if (!labelsArray) throw new Error(`${labelsName}: no labels dataset (one axis, named like y or labels) among ${describe(arrays)}`);
    return { labels: await readLabelsDataset(file, labelsArray, `${labelsName}#${labelsArray.path}`), labelsName: `${labelsName}#${labelsArray.path}` };
  } finally {
    file.close();
  }
}

/** Integer labels, (N,) or (N, 1); float datasets are accepted when every value is an integer. */
async function readLabelsDataset(file: H5.File, array: Hdf5Array, labelsName: string): Promise<number[]> {
  const [count, second = 1, ...more] = array.shape;
  if (array.shape.length === 0 || second !== 1 || more.length > 0) throw new Error(`${labelsName}: labels have shape (N,) or (N, 1), this dataset (${array.shape.join(', ')})`);
  const h5 = await h5wasm();
  const dataset = file.get(array.path);
  const values = dataset instanceof h5.Dataset ? dataset.value : null;
  if (!ArrayBuffer.isView(values) || values instanceof DataView) throw new Error(`${labelsName}: labels are not numeric`);
  const labels = Array.from(values as ArrayLike<number | bigint>, Number).slice(0, count);
  const fractional = labels.findIndex((label) => !Number.isInteger(label));
  if (fractional >= 0) throw new Error(`${labelsName}: label ${labels[fractional]} of image ${fractional} is not an integer`);
  return labels;
}
