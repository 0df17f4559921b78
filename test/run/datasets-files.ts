/**
 * Dataset files written in their formats' published layouts, for the dataset tests: NumPy .npy
 * (format version 1.0, as np.save writes it) and .npz (np.savez: stored members; np.savez_compressed:
 * deflated), CIFAR binary batches and IDX files.
 */
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';

/** np.save's bytes: magic, version 1.0, a dict header padded with spaces to a multiple of 64 bytes ending in \n, the data. */
export function npyBytes(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(data, 10 + header.length);
  return out;
}

export function npzBytes(arrays: Record<string, Uint8Array>, compressed: boolean): Uint8Array {
  const members = Object.fromEntries(Object.entries(arrays).map(([name, bytes]) => [`${name}.npy`, [bytes, { level: compressed ? 6 : 0 }] as [Uint8Array, { level: 0 | 6 }]]));
  return zipSync(members);
}

export const littleEndianInt64 = (values: number[]) => {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return out;
};

export const littleEndianFloat32 = (values: ArrayLike<number>) => new Uint8Array(Float32Array.from(values).buffer);

/** IDX: 00 00 08 <rank>, big-endian sizes, unsigned bytes. */
export function idxBytes(shape: number[], data: Uint8Array, gzip = false): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 0x08, shape.length]);
  shape.forEach((size, axis) => view.setUint32(4 + 4 * axis, size));
  out.set(data, 4 + 4 * shape.length);
  return gzip ? gzipSync(out) : out;
}

/** A CIFAR batch: per record label byte(s), then 1024 R, 1024 G, 1024 B values of a 32×32 image. */
export function cifarBytes(records: { labels: number[]; rgb: (pixel: number, channel: number) => number }[]): Uint8Array {
  const labelBytes = records[0].labels.length;
  const stride = labelBytes + 3072;
  const out = new Uint8Array(records.length * stride);
  records.forEach((record, r) => {
    out.set(record.labels, r * stride);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[r * stride + labelBytes + c * 1024 + p] = record.rgb(p, c);
  });
  return out;
}
