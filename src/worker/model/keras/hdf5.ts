/**
 * HDF5 files read with h5wasm (the HDF5 C library compiled to WebAssembly): only what Keras files
 * need, as plain values. h5wasm is loaded on first use, from its own bundle (dist/h5wasm.js): its
 * 4 MB wasm module is parsed and instantiated only when an HDF5 file is actually read.
 */
import type * as H5 from 'h5wasm';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

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

let library: Promise<typeof H5> | undefined;

/** Built beside the bundles by scripts/build.mjs; running from source, the package itself. */
const bundledLibrary = join(typeof __dirname === 'string' ? __dirname : process.cwd(), 'h5wasm.js');

function h5wasm(): Promise<typeof H5> {
  library ??= (existsSync(bundledLibrary) ? Promise.resolve(createRequire(bundledLibrary)(bundledLibrary) as unknown) : import('h5wasm/node')).then(async (module) => {
    const h5 = ((module as { default?: typeof H5 }).default ?? module) as typeof H5;
    await h5.ready;
    return h5;
  });
  return library;
}

/** Opens `path` (a file on disk) for reading; throws one line naming it when it is not HDF5. */
export async function openHdf5(path: string, shownName: string = path): Promise<Hdf5Reader> {
  // Checked first: HDF5's own failed open prints its error stack to stderr.
  if (!(await hasHdf5Signature(path))) throw new Error(`${shownName} is not an HDF5 file`);
  const h5 = await h5wasm();
  let file: H5.File;
  try {
    file = new h5.File(path, 'r');
  } catch (error) {
    throw new Error(`${shownName} is not an HDF5 file (${firstLine(error)})`);
  }
  // h5wasm answers a failed open with a File whose id is negative on some versions.
  if (typeof file.file_id === 'bigint' && file.file_id < 0n) throw new Error(`${shownName} is not an HDF5 file`);
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

const signature = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The HDF5 signature sits at offset 0, 512, 1024, 2048, … (after a user block). */
async function hasHdf5Signature(path: string): Promise<boolean> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `model file not found: ${path}` : `cannot read ${path}: ${error.code ?? error.message}`);
  });
  try {
    const { size } = await file.stat();
    const bytes = Buffer.alloc(signature.length);
    for (let offset = 0; offset + signature.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await file.read(bytes, 0, signature.length, offset);
      if (bytes.equals(signature)) return true;
    }
    return false;
  } finally {
    await file.close();
  }
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

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
