/**
 * MNIST-style IDX files (MNIST, Fashion-MNIST, EMNIST, KMNIST), gzipped or not
 * (yann.lecun.com/exdb/mnist): a big-endian header, magic 00 00 <type> <rank>, one uint32 size
 * per axis, then the values. `--data <split>-images-idx3-ubyte[.gz]` takes its labels from the
 * sibling `<split>-labels-idx1-ubyte[.gz]`, or from --data-labels.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ArrayRecordSource } from '../../protocol/messages';
import type { DatasetListing } from '../dataset';
import { decodedLength, encodingOfFile, readHead, readWhole, type StreamPlace } from './byte-stream';
import { arrayListing, bytesPerElement, classNamesOf, type ArrayImages, type DatasetChoices, type DatasetFormat } from './source';

export interface IdxHeader {
  dtype: ArrayRecordSource['dtype'] | 'int8' | 'int16' | 'int32';
  shape: number[];
  /** Bytes before the first value. */
  length: number;
}

const elementTypes: Record<number, IdxHeader['dtype']> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
const idxBytes: Record<IdxHeader['dtype'], number> = { ...bytesPerElement, int8: 1, int16: 2, int32: 4 };

/** The header at the start of `bytes`; throws one line naming `source` when it is not an IDX header. */
export function parseIdxHeader(bytes: Uint8Array, source: string): IdxHeader {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  const dtype = elementTypes[bytes[2]];
  if (dtype === undefined) throw new Error(`${source}: unknown IDX element type 0x${bytes[2].toString(16)}`);
  const rank = bytes[3];
  const length = 4 + 4 * rank;
  if (rank === 0 || bytes.length < length) throw new Error(`${source}: truncated IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, axis) => view.getUint32(4 + 4 * axis));
  return { dtype, shape, length };
}

/** IDX values as integers (labels), big-endian. */
export function idxIntegers(bytes: Uint8Array, header: IdxHeader): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = idxBytes[header.dtype];
  const count = Math.floor((bytes.length - header.length) / size);
  const read: Record<IdxHeader['dtype'], (at: number) => number> = {
    uint8: (at) => view.getUint8(at),
    int8: (at) => view.getInt8(at),
    uint16: (at) => view.getUint16(at),
    int16: (at) => view.getInt16(at),
    int32: (at) => view.getInt32(at),
    float32: (at) => view.getFloat32(at),
    float64: (at) => view.getFloat64(at),
  };
  return Array.from({ length: count }, (_, i) => read[header.dtype](header.length + i * size));
}

/** `t10k-images-idx3-ubyte.gz` → the candidates for its labels file, gzipped or not. */
export function siblingLabelFiles(imagesPath: string): string[] {
  const name = basename(imagesPath);
  const stem = name.replace(/\.gz$/i, '').replace(/images/i, 'labels').replace(/idx[34]/i, 'idx1');
  if (stem === name.replace(/\.gz$/i, '')) return [];
  return [`${stem}.gz`, stem].map((candidate) => join(dirname(imagesPath), candidate));
}

const idxName = /idx\d[-._]?u?byte(\.gz)?$|\.idx\d?(\.gz)?$/i;

export const idxFormat: DatasetFormat = {
  name: 'idx',
  extensions: ['gz', 'idx3-ubyte', 'idx'],
  async recognises(path, isDirectory) {
    return !isDirectory && idxName.test(basename(path));
  },
  list: listIdx,
};

async function listIdx(path: string, choices: DatasetChoices): Promise<DatasetListing> {
  const name = basename(path);
  const place: StreamPlace = { path, encoding: await encodingOfFile(path), start: 0 };
  const header = parseIdxHeader(await readHead(place, 4 + 4 * 255), name);
  const [count, height, width, channels = 1, ...more] = header.shape;
  if (header.shape.length < 3 || more.length > 0) throw new Error(`${name}: an images file has 3 or 4 axes (count, height, width[, channels]), this one [${header.shape.join(', ')}]`);
  if (header.dtype !== 'uint8' && header.dtype !== 'float32' && header.dtype !== 'float64') throw new Error(`${name}: images of IDX type ${header.dtype} are not supported (unsigned byte, float, double)`);
  const recordBytes = height * width * channels * bytesPerElement[header.dtype];
  const decoded = await decodedLength(place);
  const available = Math.min(count, Math.floor(Math.max(0, decoded.length - header.length) / recordBytes));
  const images: ArrayImages = {
    format: 'idx',
    path,
    place,
    firstRecord: header.length,
    stride: recordBytes,
    skip: 0,
    count,
    available,
    damage: decoded.damage,
    dtype: header.dtype,
    littleEndian: false,
    layout: 'hwc',
    height,
    width,
    channels,
  };
  const labelsPath = choices.dataLabels ?? siblingLabelFiles(path).find((candidate) => existsSync(candidate));
  if (labelsPath === undefined) {
    throw new Error(`${name}: no labels file beside it (${siblingLabelFiles(path).map((p) => basename(p)).join(' or ') || 'none follows from its name'}); give one with --data-labels`);
  }
  const labels = await readIdxLabels(labelsPath);
  return arrayListing(images, labels, basename(labelsPath), classNamesOf(labels, choices.labelsFile, null));
}

async function readIdxLabels(path: string): Promise<number[]> {
  const name = basename(path);
  if (!existsSync(path)) throw new Error(`labels file not found: ${path}`);
  const bytes = await readWhole({ path, encoding: await encodingOfFile(path), start: 0 });
  const header = parseIdxHeader(bytes, name);
  if (header.shape.length !== 1 && !(header.shape.length === 2 && header.shape[1] === 1)) {
    throw new Error(`${name}: a labels file has one axis, this one [${header.shape.join(', ')}]`);
  }
  const labels = idxIntegers(bytes, header);
  return labels.slice(0, header.shape[0]);
}
