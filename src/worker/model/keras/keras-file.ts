/**
 * The two Keras file layouts, opened without TensorFlow:
 * - `.keras` (Keras 3, keras/src/saving/saving_lib.py): a zip holding config.json (the model's
 *   serialized config) and model.weights.h5 (variables under layers/<name>/vars/<i>);
 * - `.h5` (Keras 2, legacy_h5_format.py): one HDF5 file whose root attribute model_config holds the
 *   config and whose model_weights group holds each layer's weights.
 * Nothing here loads TF.js: the extension host reads configs through it for the class check.
 */
import { unzipSync } from 'fflate';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { openHdf5, type Hdf5Reader } from './hdf5';

export type KerasLayout = 'keras-archive' | 'legacy-h5';

export interface KerasFile {
  layout: KerasLayout;
  /** The parsed model config ({class_name, config, …}). */
  config: unknown;
  /** The HDF5 file holding the weights. */
  weights: Hdf5Reader;
  close(): Promise<void>;
}

const configEntry = 'config.json';
const weightsEntry = 'model.weights.h5';

export function kerasLayoutOf(path: string): KerasLayout {
  return extname(path).toLowerCase() === '.keras' ? 'keras-archive' : 'legacy-h5';
}

/** The model config alone: config.json of a .keras archive, or the model_config attribute of an .h5 file. */
export async function readKerasConfig(path: string): Promise<unknown> {
  if (kerasLayoutOf(path) === 'keras-archive') {
    const entries = await readArchive(path, [configEntry]);
    return parseConfig(entries[configEntry], `${basename(path)}/${configEntry}`);
  }
  const file = await openHdf5(path, basename(path));
  try {
    return legacyConfig(file, path);
  } finally {
    file.close();
  }
}

export async function openKerasFile(path: string): Promise<KerasFile> {
  if (kerasLayoutOf(path) === 'legacy-h5') {
    const weights = await openHdf5(path, basename(path));
    try {
      return { layout: 'legacy-h5', config: legacyConfig(weights, path), weights, close: async () => weights.close() };
    } catch (error) {
      weights.close();
      throw error;
    }
  }
  const entries = await readArchive(path, [configEntry, weightsEntry]);
  const config = parseConfig(entries[configEntry], `${basename(path)}/${configEntry}`);
  // h5wasm reads files from disk: the archive's weights go to a private temporary folder.
  const folder = await mkdtemp(join(tmpdir(), 'robustness-lens-keras-'));
  try {
    const file = join(folder, weightsEntry);
    await writeFile(file, entries[weightsEntry]);
    const weights = await openHdf5(file, `${basename(path)}/${weightsEntry}`);
    return {
      layout: 'keras-archive',
      config,
      weights,
      close: async () => {
        weights.close();
        await rm(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

async function readArchive(path: string, wanted: readonly string[]): Promise<Record<string, Uint8Array>> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `model file not found: ${path}` : `cannot read ${path}: ${error.code ?? error.message}`);
  });
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (entry) => wanted.includes(entry.name) });
  } catch (error) {
    throw new Error(`${basename(path)} is not a Keras 3 .keras archive (not a zip file: ${(error as Error).message})`);
  }
  for (const name of wanted) {
    if (!entries[name]) {
      const hint = name === weightsEntry ? ' (weights saved in another format, e.g. .npz, are not read)' : '';
      throw new Error(`${basename(path)} is not a Keras 3 .keras archive: it has no ${name}${hint}`);
    }
  }
  return entries;
}

function parseConfig(bytes: Uint8Array, shownName: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${shownName} is not valid JSON: ${(error as Error).message}`);
  }
}

function legacyConfig(file: Hdf5Reader, path: string): unknown {
  const text = file.attribute('', 'model_config');
  if (typeof text !== 'string') {
    const weightsOnly = file.keys('')?.includes('layers') || file.attribute('', 'layer_names') !== undefined;
    throw new Error(
      weightsOnly
        ? `${basename(path)} holds weights only (no model_config): save the whole model, e.g. model.save("model.keras")`
        : `${basename(path)} is an HDF5 file but not a Keras model (no model_config attribute; it holds ${file.keys('')?.join(', ') || 'nothing'}): an HDF5 dataset goes to --data`,
    );
  }
  return parseConfig(new TextEncoder().encode(text), `${basename(path)}: model_config`);
}
