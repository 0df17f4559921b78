/**
 * Every model format the tool reads, described once: how a path is recognised, what the pickers
 * and the explorer menu offer, which files make up its fingerprint (a resumed run checks the
 * model is unchanged) and how its class count is read without loading the model. The CLI, the
 * extension, run storage and the class check all ask here; the worker loads each format from
 * src/worker/model/ by its id. Nothing here loads TF.js: the extension host imports it.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { readKerasConfig } from './keras/keras-file';
import { summariseModel } from '../onnx/codec';
import { kerasModelOutputs, readModelOutputs, type ModelOutputs } from './model-outputs';

export type ModelFormatId = 'tfjs' | 'keras' | 'keras-h5' | 'saved-model' | 'onnx';

export interface ModelFormat {
  id: ModelFormatId;
  /** What the user knows it as, e.g. "Keras 3 model (.keras)". */
  label: string;
  /** A file (recognised by its extensions) or a folder (recognised by a file inside it). */
  kind: 'file' | 'folder';
  /** File extensions without the dot, lower case: what a file picker filters on. */
  extensions: readonly string[];
  /** For a folder format, the file that marks the folder. */
  marker?: string;
  /** File names a workspace search looks for (globs without folders): the file itself, or a folder's marker. */
  searchNames: readonly string[];
  /** The files whose bytes identify the model (missing ones are left for the loader to report). */
  fingerprintFiles(path: string): Promise<string[]>;
  /** The output count, read without loading the model; null when the files do not say (the worker checks). */
  readOutputs(path: string): Promise<ModelOutputs | null>;
}

/** The external-data files an .onnx file names (tensors stored beside it), for its fingerprint; an unreadable file has none (the worker reports it). */
export async function onnxExternalDataFiles(onnxPath: string): Promise<string[]> {
  try {
    const { externalData } = summariseModel(await readFile(onnxPath));
    // A named file that is missing is the loader's to report, in one line naming it.
    return externalData.map((location) => join(dirname(onnxPath), location)).filter((file) => existsSync(file));
  } catch {
    return [];
  }
}

/** An .onnx model's output count from its declared output shape [batch, k], without building it; null when the file does not say (the worker checks). */
export async function onnxModelOutputs(onnxPath: string): Promise<ModelOutputs | null> {
  let summary: ReturnType<typeof summariseModel>;
  try {
    summary = summariseModel(await readFile(onnxPath));
  } catch {
    return null;
  }
  if (summary.outputs.length !== 1) return null;
  const dims = summary.outputs[0].slice(1);
  if (dims.length === 0 || dims.some((d) => typeof d !== 'number')) return null;
  const units = (dims as number[]).reduce((a, b) => a * b, 1);
  return { units, classes: units === 1 ? 2 : units, activation: summary.outputOp, source: 'signature' };
}

const justTheFile = async (path: string) => [path];

export const modelFormats: readonly ModelFormat[] = [
  {
    id: 'tfjs',
    label: 'TF.js model (model.json)',
    kind: 'file',
    extensions: ['json'],
    searchNames: ['model.json'],
    fingerprintFiles: async (path) => [path, ...(await tfjsWeightFiles(path))],
    readOutputs: readModelOutputs,
  },
  {
    id: 'keras',
    label: 'Keras 3 model (.keras)',
    kind: 'file',
    extensions: ['keras'],
    searchNames: ['*.keras'],
    fingerprintFiles: justTheFile,
    readOutputs: async (path) => kerasModelOutputs(await readKerasConfig(path)),
  },
  {
    id: 'keras-h5',
    label: 'Keras 2 model (.h5)',
    kind: 'file',
    extensions: ['h5', 'hdf5'],
    searchNames: ['*.h5', '*.hdf5'],
    fingerprintFiles: justTheFile,
    readOutputs: async (path) => kerasModelOutputs(await readKerasConfig(path)),
  },
  {
    id: 'onnx',
    label: 'ONNX model (.onnx)',
    kind: 'file',
    extensions: ['onnx'],
    searchNames: ['*.onnx'],
    fingerprintFiles: async (path) => [path, ...(await onnxExternalDataFiles(path))],
    readOutputs: onnxModelOutputs,
  },
  {
    id: 'saved-model',
    label: 'TensorFlow SavedModel (folder with saved_model.pb)',
    kind: 'folder',
    extensions: [],
    marker: 'saved_model.pb',
    searchNames: ['saved_model.pb'],
    fingerprintFiles: filesUnder,
    // The signature's shapes are in the protobuf; the worker reads them when it loads the model.
    readOutputs: async () => null,
  },
];

/** What the tool reads, for messages: "TF.js model.json, Keras .keras or .h5, ONNX .onnx, or a SavedModel folder". */
export const modelFormatsInWords = 'a TF.js model.json, a Keras .keras or .h5 file, an ONNX .onnx file, or a TensorFlow SavedModel folder';

/** What to do with model files of formats the tool does not read, by extension. */
const otherFormats: Record<string, string> = {
  pb: "is a SavedModel's graph: give the SavedModel folder that holds it",
  pt: 'is a PyTorch file: export the model to ONNX (torch.onnx.export) and give the .onnx file',
  pth: 'is a PyTorch file: export the model to ONNX (torch.onnx.export) and give the .onnx file',
  tflite: 'is a TensorFlow Lite file: give the model it was converted from (Keras, SavedModel or ONNX)',
  safetensors: 'holds weights without an architecture: export the model to ONNX and give the .onnx file',
};

/** One workspace search for every format's candidates. */
export const modelSearchGlob = `**/{${modelFormats.flatMap((format) => format.searchNames).join(',')}}`;

/** The model a search hit or a picked file stands for: a SavedModel's marker file stands for its folder. */
export function modelPathOfFile(file: string): string {
  const folderFormat = modelFormats.find((format) => format.kind === 'folder' && format.marker === basename(file));
  return folderFormat ? dirname(file) : file;
}

/** File-dialog filters: every model file at once, then one per format (a SavedModel by its marker file). */
export function modelFileFilters(): { name: string; extensions: string[] }[] {
  const extensionsOf = (format: ModelFormat) => (format.kind === 'file' ? [...format.extensions] : [extname(format.marker ?? '').slice(1)]);
  return [
    { name: 'Models', extensions: modelFormats.flatMap(extensionsOf) },
    ...modelFormats.map((format) => ({ name: format.label, extensions: extensionsOf(format) })),
  ];
}

export function modelFormatById(id: ModelFormatId): ModelFormat {
  return modelFormats.find((format) => format.id === id)!;
}

/** The file format a path names by its extension, if any (pure: no file system). */
export function fileFormatOfName(path: string): ModelFormat | undefined {
  const extension = extname(path).slice(1).toLowerCase();
  return modelFormats.find((format) => format.kind === 'file' && format.extensions.includes(extension));
}

/** One line when the path's name alone shows it is not a model the tool reads (pure), else null. */
export function modelNameProblem(path: string): string | null {
  const advice = otherFormats[extname(path).slice(1).toLowerCase()];
  return advice ? `${basename(path)} ${advice}` : null;
}

/** The format of the model at `path`, looking at the disk; throws one line when it is none of them. */
export async function modelFormatAt(path: string): Promise<ModelFormat> {
  const info = await stat(path).catch(() => null);
  if (!info) {
    // A missing file of a known kind is its loader's to report (it names what it looked for).
    const byName = fileFormatOfName(path);
    if (byName) return byName;
    throw new Error(`model not found: ${path}`);
  }
  if (info.isDirectory()) {
    const entries = await readdir(path).catch(() => [] as string[]);
    const folderFormat = modelFormats.find((format) => format.kind === 'folder' && format.marker && entries.includes(format.marker));
    if (folderFormat) return folderFormat;
    const hint = entries.includes('model.json') ? `: give its model.json (${join(path, 'model.json')})` : `: expected ${modelFormatsInWords}`;
    throw new Error(`${path} is a folder but not a SavedModel (no saved_model.pb)${hint}`);
  }
  const format = fileFormatOfName(path);
  if (format) return format;
  throw new Error(modelNameProblem(path) ?? `${basename(path)} is not a model the tool reads: expected ${modelFormatsInWords}`);
}

/** The folder the fingerprint names files relative to: the model's folder. */
export function fingerprintBase(path: string, format: ModelFormat): string {
  return format.kind === 'folder' ? path : dirname(path);
}

/** How many classes the model at `path` predicts, without loading it; null when its files do not say. */
export async function modelOutputsAt(path: string): Promise<ModelOutputs | null> {
  return (await modelFormatAt(path)).readOutputs(path);
}

/** The weight shards a TF.js model.json names; missing ones are left for the loader to report. */
async function tfjsWeightFiles(modelJson: string): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(modelJson, 'utf8'));
  } catch {
    return [];
  }
  const manifest = (parsed as { weightsManifest?: { paths?: unknown }[] } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  const paths = manifest
    .flatMap((group) => (Array.isArray(group?.paths) ? group.paths : []))
    .filter((path): path is string => typeof path === 'string')
    .map((path) => join(dirname(modelJson), safeDecode(path)));
  const present = await Promise.all(paths.map((path) => stat(path).then((s) => s.isFile(), () => false)));
  return paths.filter((_, i) => present[i]);
}

/** model.json paths are URL-encoded by the TF.js converter (e.g. spaces as %20). */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Every file under a folder, in sorted order. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
