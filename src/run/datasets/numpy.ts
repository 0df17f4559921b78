/**
 * NumPy arrays: an images `.npy` with its labels `.npy` beside it (x_test.npy / y_test.npy,
 * images.npy / labels.npy) or named by --data-labels, and `.npz` archives holding both (np.savez,
 * compressed or not; Keras' mnist.npz). Images are (N, H, W), (N, H, W, C) or (N, C, H, W) with C
 * of 1 or 3 (4: alpha, dropped), uint8 or uint16 (scaled to [0, 1]) or float in [0, 1]; labels
 * are integers, (N,) or (N, 1).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import yauzl from 'yauzl';
import type { ArrayRecordSource } from '../../protocol/messages';
import type { DatasetListing } from '../dataset';
import { decodedLength, readHead, readPlain, readWhole, type StreamPlace } from './byte-stream';
import { npyHeadBytes, npyIntegers, parseNpyHeader, type NpyHeader } from './npy-header';
import { arrayListing, classNamesOf, type ArrayImages, type DatasetChoices, type DatasetFormat } from './source';

/** How an images array's shape reads: (N, H, W), (N, H, W, C) or (N, C, H, W) with C of 1 or 3 (4 in NHWC: alpha, dropped). */
export interface ImagesGeometry {
  count: number;
  height: number;
  width: number;
  channels: number;
  layout: ArrayRecordSource['layout'];
}

export function imagesGeometryOf(shape: readonly number[], source: string): ImagesGeometry {
  if (shape.length === 3) return { count: shape[0], height: shape[1], width: shape[2], channels: 1, layout: 'hwc' };
  if (shape.length === 4 && [1, 3, 4].includes(shape[3])) return { count: shape[0], height: shape[1], width: shape[2], channels: shape[3], layout: 'hwc' };
  if (shape.length === 4 && [1, 3].includes(shape[1])) return { count: shape[0], channels: shape[1], height: shape[2], width: shape[3], layout: 'chw' };
  throw new Error(`${source}: images have shape (N, H, W), (N, H, W, C) or (N, C, H, W) with C of 1 or 3, this array (${shape.join(', ')})`);
}

/** The images array an .npy header describes, as one record per first-axis entry. */
export function imagesArrayOf(header: NpyHeader, place: StreamPlace, source: string, path: string, format: string): Omit<ArrayImages, 'available' | 'damage'> {
  if (header.fortranOrder) throw new Error(`${source}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`);
  const dtype = dtypeOf(header, source);
  const { count, height, width, channels, layout } = imagesGeometryOf(header.shape, source);
  const recordBytes = height * width * channels * header.itemSize;
  return { format, path, place, firstRecord: header.length, stride: recordBytes, skip: 0, count, dtype, littleEndian: header.littleEndian, layout, height, width, channels };
}

function dtypeOf(header: NpyHeader, source: string): ArrayRecordSource['dtype'] {
  const { kind, itemSize } = header;
  if (kind === 'u' && itemSize === 1) return 'uint8';
  if (kind === 'u' && itemSize === 2) return 'uint16';
  if (kind === 'f' && itemSize === 4) return 'float32';
  if (kind === 'f' && itemSize === 8) return 'float64';
  throw new Error(`${source}: images of type ${header.descr} are not supported (uint8, uint16, float32, float64)`);
}

async function withAvailability(images: Omit<ArrayImages, 'available' | 'damage'>, place: StreamPlace): Promise<ArrayImages> {
  const decoded = await decodedLength(place);
  const available = Math.min(images.count, Math.floor(Math.max(0, decoded.length - images.firstRecord) / images.stride));
  return { ...images, available, damage: decoded.damage };
}

export async function labelsFromNpy(place: StreamPlace, source: string): Promise<number[]> {
  const bytes = await readWhole(place);
  const header = parseNpyHeader(bytes, source);
  const [count, second = 1, ...more] = header.shape;
  if (header.shape.length === 0 || second !== 1 || more.length > 0) throw new Error(`${source}: labels have shape (N,) or (N, 1), this array (${header.shape.join(', ')})`);
  return npyIntegers(bytes, header, source).slice(0, count);
}

/** Names the labels array of an images array may have: x_test → y_test, images → labels, … */
export function labelNamesFor(imagesName: string): string[] {
  const rules: [RegExp, string][] = [
    [/^x(?=$|[_.-])/, 'y'],
    [/^X(?=$|[_.-])/, 'y'],
    [/^X(?=$|[_.-])/, 'Y'],
    [/images/, 'labels'],
    [/Images/, 'Labels'],
    [/image/, 'label'],
    [/inputs/, 'targets'],
    [/data/, 'labels'],
  ];
  const names = rules.filter(([pattern]) => pattern.test(imagesName)).map(([pattern, replacement]) => imagesName.replace(pattern, replacement));
  return [...new Set(names)].filter((name) => name !== imagesName);
}

export const imagesArrayName = /^(x|images?|data|inputs?|features)($|[_.-])/i;

export const npyFormat: DatasetFormat = {
  name: 'npy',
  extensions: ['npy'],
  async recognises(path, isDirectory) {
    return !isDirectory && /\.npy$/i.test(path);
  },
  async list(path: string, choices: DatasetChoices): Promise<DatasetListing> {
    const name = basename(path);
    const place: StreamPlace = { path, encoding: 'plain', start: 0 };
    const images = await withAvailability(imagesArrayOf(parseNpyHeader(await readHead(place, npyHeadBytes), name), place, name, path, 'npy'), place);
    const stem = name.replace(/\.npy$/i, '');
    const sibling = labelNamesFor(stem)
      .map((candidate) => join(dirname(path), `${candidate}.npy`))
      .find((candidate) => existsSync(candidate));
    const labelsPath = choices.dataLabels ?? sibling;
    if (labelsPath === undefined) {
      const expected = labelNamesFor(stem).map((candidate) => `${candidate}.npy`);
      throw new Error(`${name}: no labels array beside it (${expected.join(' or ') || 'none follows from its name'}); give one with --data-labels`);
    }
    if (!existsSync(labelsPath)) throw new Error(`labels file not found: ${labelsPath}`);
    const labels = await labelsFromNpy({ path: labelsPath, encoding: 'plain', start: 0 }, basename(labelsPath));
    return arrayListing(images, labels, basename(labelsPath), classNamesOf(labels, choices.labelsFile, null));
  },
};

interface ZipMember {
  name: string;
  place: StreamPlace;
}

export const npzFormat: DatasetFormat = {
  name: 'npz',
  extensions: ['npz'],
  async recognises(path, isDirectory) {
    return !isDirectory && /\.npz(#[^/\\]+)?$/i.test(path);
  },
  async list(data: string, choices: DatasetChoices): Promise<DatasetListing> {
    const [path, wanted] = splitMember(data);
    const name = basename(path);
    if (!existsSync(path)) throw new Error(`data file not found: ${path}`);
    const members = await zipMembers(path);
    const arrays = new Map(members.filter((m) => /\.npy$/i.test(m.name)).map((m) => [m.name.replace(/\.npy$/i, ''), m]));
    const candidates = [...arrays.keys()].filter((key) => imagesArrayName.test(key)).sort();
    const chosen = wanted ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (chosen === undefined) {
      throw new Error(candidates.length === 0
        ? `${name}: no images array (named like x or images) among ${[...arrays.keys()].join(', ') || 'no arrays'}`
        : `${name} holds several images arrays (${candidates.join(', ')}): choose one with --data ${name}#${candidates[0]}`);
    }
    const member = arrays.get(chosen);
    if (!member) throw new Error(`${name}: no array named ${chosen} (it holds ${[...arrays.keys()].join(', ')})`);
    const source = `${name}#${chosen}`;
    const images = await withAvailability(imagesArrayOf(parseNpyHeader(await readHead(member.place, npyHeadBytes), source), member.place, source, path, 'npz'), member.place);
    let labels: number[];
    let labelsName: string;
    if (choices.dataLabels !== undefined) {
      if (!existsSync(choices.dataLabels)) throw new Error(`labels file not found: ${choices.dataLabels}`);
      labelsName = basename(choices.dataLabels);
      labels = await labelsFromNpy({ path: choices.dataLabels, encoding: 'plain', start: 0 }, labelsName);
    } else {
      const labelsKey = [...labelNamesFor(chosen), 'y', 'labels', 'label', 'targets'].find((key) => arrays.has(key));
      if (labelsKey === undefined) throw new Error(`${name}: no labels array for ${chosen} (expected ${labelNamesFor(chosen).join(' or ') || 'y or labels'}; it holds ${[...arrays.keys()].join(', ')}); give one with --data-labels`);
      labelsName = `${name}#${labelsKey}`;
      labels = await labelsFromNpy((arrays.get(labelsKey) as ZipMember).place, labelsName);
    }
    // Records are named after the archive and the array: mnist.npz#x_test#12 when an array was chosen among several.
    return arrayListing(images, labels, labelsName, classNamesOf(labels, choices.labelsFile, null), wanted === undefined ? name : `${name}#${chosen}`);
  },
};

/** `mnist.npz#x_test` → the archive and the array. */
function splitMember(data: string): [string, string | undefined] {
  const match = /^(.*\.npz)#([^/\\]+)$/i.exec(data);
  return match ? [match[1], match[2]] : [data, undefined];
}

/** Where each member's data lies: zip's central directory (yauzl), then the member's local header for the data's first byte. */
async function zipMembers(path: string): Promise<ZipMember[]> {
  const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (error || !zip) return reject(new Error(`${basename(path)}: not a readable zip archive (${error?.message ?? 'unknown error'})`));
      const found: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        found.push(entry);
        zip.readEntry();
      });
      zip.on('end', () => {
        zip.close();
        resolve(found);
      });
      zip.on('error', (failure: Error) => {
        zip.close();
        reject(new Error(`${basename(path)}: ${failure.message}`));
      });
      zip.readEntry();
    });
  });
  const members: ZipMember[] = [];
  for (const entry of entries) {
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) throw new Error(`${basename(path)}: ${entry.fileName} uses zip compression method ${entry.compressionMethod} (stored and deflate are read)`);
    const local = await readPlain(path, entry.relativeOffsetOfLocalHeader, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw new Error(`${basename(path)}: damaged zip entry ${entry.fileName}`);
    const start = entry.relativeOffsetOfLocalHeader + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    members.push({ name: entry.fileName, place: { path, encoding: entry.compressionMethod === 0 ? 'plain' : 'deflate', start, length: entry.compressedSize } });
  }
  return members;
}
