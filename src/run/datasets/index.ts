/**
 * The dataset source formats --data accepts besides a `<class>/<image>` folder. Adding a format
 * means a module in this folder implementing DatasetFormat and a line here.
 */
import { stat } from 'node:fs/promises';
import { cifarFormat } from './cifar';
import { csvFolderFormat } from './csv-folder';
import { hdf5Format } from './hdf5';
import { idxFormat } from './idx';
import { npyFormat, npzFormat } from './numpy';
import type { DatasetFormat } from './source';

export type { DatasetChoices, DatasetFormat } from './source';

/** In the order they are asked; the first that recognises --data lists it. */
export const datasetFormats: readonly DatasetFormat[] = [idxFormat, cifarFormat, npyFormat, npzFormat, hdf5Format, csvFolderFormat];

/** The name recorded for a class-folder dataset. */
export const folderFormatName = 'folder';

/** File name endings of every array format, for the extension's dataset picker. */
export const datasetFileExtensions: readonly string[] = [...new Set(datasetFormats.flatMap((format) => format.extensions))];

/** Whether a file's name is one a dataset format reads (for the explorer menu, before any file is opened). */
export function looksLikeDatasetFile(path: string): boolean {
  return /\.(npy|npz|csv|bin|h5|hdf5)$|idx\d[-._]?u?byte(\.gz)?$/i.test(path);
}

/** The format of --data `path`, or null for a class folder (or a path that does not exist: the folder listing says so). */
export async function datasetFormatOf(path: string): Promise<DatasetFormat | null> {
  const info = await stat(path).catch(() => null);
  for (const format of datasetFormats) {
    // An .npz or HDF5 path may name one of its arrays after '#', so it need not exist as it is written.
    if (!info && format !== npzFormat && format !== hdf5Format) continue;
    if (await format.recognises(path, info?.isDirectory() ?? false)) return format;
  }
  return null;
}
