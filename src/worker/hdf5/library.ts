/**
 * h5wasm (the HDF5 C library compiled to WebAssembly), shared by the Keras loader and the HDF5
 * dataset reader. It is loaded on first use, from its own bundle (dist/h5wasm.js): its 4 MB wasm
 * module is parsed and instantiated only when an HDF5 file is actually read. Its Node build reads
 * files from disk as it needs them, so opening a file does not load it.
 */
import type * as H5 from 'h5wasm';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type H5Module = typeof H5;

let library: Promise<H5Module> | undefined;

/** Built beside the bundles by scripts/build.mjs; running from source, the package itself. */
const bundledLibrary = join(typeof __dirname === 'string' ? __dirname : process.cwd(), 'h5wasm.js');

export function h5wasm(): Promise<H5Module> {
  library ??= (existsSync(bundledLibrary) ? Promise.resolve(createRequire(bundledLibrary)(bundledLibrary) as unknown) : import('h5wasm/node')).then(async (module) => {
    const h5 = ((module as { default?: H5Module }).default ?? module) as H5Module;
    await h5.ready;
    return h5;
  });
  return library;
}

const signature = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Whether the file starts with the HDF5 signature, at offset 0, 512, 1024, 2048, … (after a user
 * block). Checked before h5wasm opens a file: HDF5's own failed open prints its error stack to
 * stderr. A file that cannot be read throws its fs error.
 */
export async function hasHdf5Signature(path: string): Promise<boolean> {
  const file = await open(path, 'r');
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

/** Opens an HDF5 file read-only; throws one line naming `shownName` when HDF5 cannot open it. */
export async function openHdf5File(path: string, shownName: string): Promise<H5.File> {
  const h5 = await h5wasm();
  let file: H5.File;
  try {
    file = new h5.File(path, 'r');
  } catch (error) {
    throw new Error(`${shownName} is not an HDF5 file (${firstLine(error)})`);
  }
  // h5wasm answers a failed open with a File whose id is negative on some versions.
  if (typeof file.file_id === 'bigint' && file.file_id < 0n) throw new Error(`${shownName} is not an HDF5 file`);
  return file;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
