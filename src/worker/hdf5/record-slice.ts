/**
 * One record of an HDF5 images dataset, read as a hyperslab along its first axis (h5wasm's
 * Dataset.slice): HDF5 reads only the chunks (or contiguous bytes) that hold it, so a worker never
 * holds more of the dataset than the record. The file stays open between records; a few at most.
 */
import type * as H5 from 'h5wasm';
import type { ArrayRecordSource } from '../../protocol/messages';
import { h5wasm, openHdf5File } from './library';

const openFiles = 4;
const files = new Map<string, H5.File>();

/** The record's stored bytes, in the dataset's element type and byte order. */
export async function readHdf5Record(source: ArrayRecordSource): Promise<Uint8Array> {
  const h5 = await h5wasm();
  const file = await fileFor(source.path);
  const datasetPath = source.dataset ?? '';
  const dataset = file.get(datasetPath);
  if (!(dataset instanceof h5.Dataset)) throw new Error(`${source.path}: no dataset ${datasetPath}`);
  const values = dataset.slice([[source.index, source.index + 1]]);
  if (!ArrayBuffer.isView(values)) throw new Error(`${source.path}: dataset ${datasetPath} record ${source.index} is not numeric`);
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

async function fileFor(path: string): Promise<H5.File> {
  let file = files.get(path);
  if (file) {
    files.delete(path);
  } else {
    file = await openHdf5File(path, path);
  }
  files.set(path, file);
  while (files.size > openFiles) {
    const [oldest, stale] = files.entries().next().value as [string, H5.File];
    stale.close();
    files.delete(oldest);
  }
  return file;
}
