// Reads the IDX files of MNIST-style datasets (Fashion-MNIST as Debian's dataset-fashion-mnist
// ships it): big-endian header, magic 0x0000 <type> <rank>, one uint32 size per axis, then data.
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Parses an IDX byte buffer of unsigned bytes (the only type the image and label files use). */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new Error(`${source}: too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  const type = bytes[2];
  const rank = bytes[3];
  if (type !== UNSIGNED_BYTE) throw new Error(`${source}: IDX element type 0x${type.toString(16)} is not unsigned byte`);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw new Error(`${source}: truncated IDX header`);
  const shape: number[] = [];
  for (let axis = 0; axis < rank; axis++) shape.push(view.getUint32(4 + 4 * axis));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - headerLength !== count) {
    throw new Error(`${source}: expected ${count} values for shape [${shape.join(', ')}], found ${bytes.length - headerLength}`);
  }
  return { shape, data: bytes.subarray(headerLength) };
}

/** Reads an IDX file, gunzipping it when it is gzip-compressed. */
export function readIdxFile(path: string): IdxArray {
  const raw = readFileSync(path);
  const isGzip = raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  return parseIdx(isGzip ? gunzipSync(raw) : raw, path);
}

export interface IdxSplit {
  /** count · height · width grayscale bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** Finds `<split>-images-idx3-ubyte[.gz]` and its labels file in `dir` and reads both. */
export function readIdxSplit(dir: string, split: 'train' | 't10k'): IdxSplit {
  const find = (stem: string): string => {
    for (const name of [`${stem}.gz`, stem]) if (existsSync(join(dir, name))) return join(dir, name);
    throw new Error(`${join(dir, stem)}[.gz] not found (expected MNIST-style IDX files in ${dir})`);
  };
  const images = readIdxFile(find(`${split}-images-idx3-ubyte`));
  const labels = readIdxFile(find(`${split}-labels-idx1-ubyte`));
  if (images.shape.length !== 3) throw new Error(`${split} images: expected rank 3, found rank ${images.shape.length}`);
  if (labels.shape.length !== 1) throw new Error(`${split} labels: expected rank 1, found rank ${labels.shape.length}`);
  const [count, height, width] = images.shape;
  if (labels.shape[0] !== count) throw new Error(`${split}: ${count} images but ${labels.shape[0]} labels`);
  return { images: images.data, labels: labels.data, count, height, width };
}
