/**
 * Loads an ONNX file (a `torch.onnx.export`, a tf2onnx conversion, …) into the compute path's
 * Graph, with its external-data files read relative to the model. Errors name the file and the
 * problem in one line.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { decodeModel, OnnxFormatError } from '../onnx/codec';
import type { Graph } from '../onnx/ir';

export const onnxExtension = '.onnx';

export function isOnnxPath(path: string): boolean {
  return path.toLowerCase().endsWith(onnxExtension);
}

export async function loadOnnxFile(path: string): Promise<Graph> {
  const name = basename(path);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `model file not found: ${path}` : `${name}: ${error.message}`);
  });
  try {
    return decodeModel(bytes, externalDataReader(path));
  } catch (error) {
    if (error instanceof OnnxFormatError) throw new Error(`${name}: ${error.message}`);
    throw error;
  }
}

/** Reads external data from files beside the model, refusing paths that leave its folder. */
function externalDataReader(modelPath: string) {
  const folder = dirname(modelPath);
  return (location: string, offset: number, length: number | undefined): Uint8Array => {
    const file = normalize(join(folder, location));
    if (isAbsolute(location) || !(file === folder || file.startsWith(folder + sep))) {
      throw new OnnxFormatError(`its external data "${location}" is outside the model's folder`);
    }
    if (!existsSync(file)) throw new OnnxFormatError(`its external-data file ${location} is missing (expected beside the model)`);
    const size = statSync(file).size;
    const count = length ?? size - offset;
    if (offset + count > size) throw new OnnxFormatError(`its external-data file ${location} is shorter than the model says (truncated?)`);
    const out = new Uint8Array(count);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, out, 0, count, offset);
    } finally {
      closeSync(fd);
    }
    return out;
  };
}
