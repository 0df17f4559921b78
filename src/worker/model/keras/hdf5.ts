/**
 * HDF5 files read with h5wasm (src/worker/hdf5/library.ts): only what Keras files need, as plain
 * values.
 */
import type * as H5 from 'h5wasm';
import { h5wasm, hasHdf5Signature, openHdf5File } from '../../hdf5/library';

export interface Hdf5Dataset {
  shape: number[];
  /** The values, as float32, in row-major order. */
  values: Float32Array;
}

/** An open HDF5 file; paths are '/'-separated from its root. */
export interface Hdf5Reader {
  /** A string (or list of strings) attribute of the root ('') or of a group; undefined when absent. */
  attribute(groupPath: string, name: string): string | string[] | undefined;
  /** Names inside a group; undefined when there is no group at that path. */
  keys(groupPath: string): string[] | undefined;
  /** A numeric dataset; undefined when there is no dataset at that path. */
  dataset(path: string): Hdf5Dataset | undefined;
  close(): void;
}

/** H5T_FLOAT in HDF5's type classes. */
const floatClass = 1;

/** Opens `path` (a file on disk) for reading; throws one line naming it when it is not HDF5. */
export async function openHdf5(path: string, shownName: string = path): Promise<Hdf5Reader> {
  const signed = await hasHdf5Signature(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `model file not found: ${path}` : `cannot read ${path}: ${error.code ?? error.message}`);
  });
  if (!signed) throw new Error(`${shownName} is not an HDF5 file`);
  const h5 = await h5wasm();
  const file = await openHdf5File(path, shownName);
  const entity = (p: string) => (p === '' ? file : file.get(p));
  return {
    attribute(groupPath, name) {
      const target = entity(groupPath);
      if (!target || !('attrs' in target)) return undefined;
      const attribute = target.attrs[name];
      if (!attribute) return undefined;
      return asStrings(attribute.value);
    },
    keys(groupPath) {
      const target = entity(groupPath);
      return target instanceof h5.Group ? target.keys() : undefined;
    },
    dataset(path) {
      const target = file.get(path);
      if (!(target instanceof h5.Dataset)) return undefined;
      const { type, size } = target.metadata;
      if (type === floatClass && size !== 4 && size !== 8) {
        throw new Error(`dataset ${path} holds ${size * 8}-bit floats: only float32 and float64 weights are read`);
      }
      return { shape: target.shape ?? [], values: asFloat32(target.value, path) };
    },
    close() {
      file.close();
    },
  };
}

function asStrings(value: H5.OutputData | null): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function asFloat32(value: H5.OutputData | null, path: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Float32Array.from(value, Number);
    return Float32Array.from(value as ArrayLike<number>);
  }
  if (typeof value === 'number') return Float32Array.of(value);
  throw new Error(`dataset ${path} is not numeric`);
}
