/**
 * The header of a NumPy .npy array (numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic \x93NUMPY, version, header length (2 bytes little-endian in version 1, 4 in 2 and 3), then a
 * Python dict literal with 'descr', 'fortran_order' and 'shape'. Pure.
 */
export interface NpyHeader {
  /** NumPy's type string, e.g. '|u1', '<f4'. */
  descr: string;
  kind: 'u' | 'i' | 'f' | 'b' | string;
  itemSize: number;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the first value. */
  length: number;
}

const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Enough bytes for any real header (NumPy pads headers to a multiple of 64 bytes). */
export const npyHeadBytes = 65536;

export function parseNpyHeader(bytes: Uint8Array, source: string): NpyHeader {
  if (bytes.length < 10 || !magic.every((byte, i) => bytes[i] === byte)) throw new Error(`${source}: not a NumPy .npy array (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wide = major >= 2;
  if (wide && bytes.length < 12) throw new Error(`${source}: truncated .npy header`);
  const textLength = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const textStart = wide ? 12 : 10;
  if (bytes.length < textStart + textLength) throw new Error(`${source}: truncated .npy header`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(textStart, textStart + textLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${source}: unreadable .npy header ${JSON.stringify(text.trim())}`);
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => Number(part.replace(/L$/, '')));
  if (shape.some((size) => !Number.isSafeInteger(size) || size < 0)) throw new Error(`${source}: bad .npy shape (${shapeText})`);
  const typed = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!typed) throw new Error(`${source}: .npy element type ${descr} is not a plain number type`);
  const [, order, kind, size] = typed;
  return { descr, kind, itemSize: Number(size), littleEndian: order !== '>', fortranOrder: fortran === 'True', shape, length: textStart + textLength };
}

/** Integer values of a labels array (any integer type, or bool), as numbers. */
export function npyIntegers(bytes: Uint8Array, header: NpyHeader, source: string): number[] {
  const { kind, itemSize, littleEndian } = header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor((bytes.length - header.length) / itemSize);
  const at = (i: number) => header.length + i * itemSize;
  let read: (i: number) => number;
  if ((kind === 'u' || kind === 'b') && itemSize === 1) read = (i) => view.getUint8(at(i));
  else if (kind === 'i' && itemSize === 1) read = (i) => view.getInt8(at(i));
  else if (kind === 'u' && itemSize === 2) read = (i) => view.getUint16(at(i), littleEndian);
  else if (kind === 'i' && itemSize === 2) read = (i) => view.getInt16(at(i), littleEndian);
  else if (kind === 'u' && itemSize === 4) read = (i) => view.getUint32(at(i), littleEndian);
  else if (kind === 'i' && itemSize === 4) read = (i) => view.getInt32(at(i), littleEndian);
  else if (kind === 'u' && itemSize === 8) read = (i) => Number(view.getBigUint64(at(i), littleEndian));
  else if (kind === 'i' && itemSize === 8) read = (i) => Number(view.getBigInt64(at(i), littleEndian));
  else if (kind === 'f' && itemSize === 4) read = (i) => view.getFloat32(at(i), littleEndian);
  else if (kind === 'f' && itemSize === 8) read = (i) => view.getFloat64(at(i), littleEndian);
  else throw new Error(`${source}: labels of type ${header.descr} are not integers`);
  return Array.from({ length: count }, (_, i) => read(i));
}
