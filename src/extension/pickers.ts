/**
 * The model and dataset pickers: candidates found in the workspace, the last choice first (so it
 * is preselected), then "Browse…" for anything else.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';
import { datasetFileExtensions } from '../run/datasets/index';
import { modelFileFilters as modelPickerFilters, modelPathOfFile, modelSearchGlob } from '../worker/model/model-formats';
import type { KeyValueStore, PickItem, Ui, WorkspaceInfo } from './ports';

export const pickerTitles = {
  model: 'Robustness Lens: model',
  dataset: 'Robustness Lens: dataset folder',
  labels: 'Robustness Lens: labels file',
} as const;

export const stateKeys = { model: 'robustnessLens.lastModel', dataset: 'robustnessLens.lastDataset', preset: 'robustnessLens.lastPreset' } as const;

/** Folders never searched for models or images. */
export const searchExclude = '**/{node_modules,.git,.robustness,.vscode-test}/**';

const browse = Symbol('browse');
const browseFile = Symbol('browse for a file');
type Choice = string | typeof browse | typeof browseFile;

/** The dataset files --data accepts (src/run/datasets), for the file dialog. */
export const datasetFileFilters = [
  { name: 'Datasets (MNIST IDX, CIFAR .bin, NumPy .npy/.npz, HDF5 .h5, labels .csv)', extensions: [...datasetFileExtensions, 'idx3-ubyte', 'ubyte'] },
  { name: 'All files (IDX files often have no extension)', extensions: ['*'] },
];

export interface PickerDeps {
  ui: Ui;
  workspace: WorkspaceInfo;
  state: KeyValueStore;
}

export const modelFileFilters = modelPickerFilters();

export async function pickModel(deps: PickerDeps): Promise<string | undefined> {
  const { ui, workspace, state } = deps;
  const last = existing(state.get<string>(stateKeys.model));
  const found = (await workspace.findFiles(modelSearchGlob, searchExclude, 50)).map(modelPathOfFile).sort();
  const candidates = unique([...(last ? [last] : []), ...found]);
  let chosen: Choice | undefined = browse;
  if (candidates.length > 0) {
    const items: PickItem<Choice>[] = candidates.map((path) => ({
      label: displayPath(path, workspace.folders()),
      description: path === last ? 'last used' : undefined,
      value: path,
    }));
    items.push({ label: 'Browse…', description: 'a model file anywhere on disk (for a SavedModel, its saved_model.pb)', value: browse });
    chosen = await ui.pick(pickerTitles.model, items, 'The model to audit: ONNX, Keras (.keras, .h5), TF.js model.json or a TensorFlow SavedModel');
  }
  if (chosen === undefined) return undefined;
  const picked = typeof chosen === 'string' ? chosen : await ui.openFile(pickerTitles.model, modelFileFilters, last ?? workspace.folders()[0]);
  const path = picked && modelPathOfFile(picked);
  if (path) await state.update(stateKeys.model, path);
  return path;
}

export interface DatasetCandidate {
  root: string;
  classes: number;
  images: number;
}

const imageGlob = '**/*.{png,jpg,jpeg,PNG,JPG,JPEG}';
const imageSearchLimit = 5000;

/** Folders laid out as <root>/<class>/<image>, found from the images in the workspace. */
export function datasetCandidates(imagePaths: string[]): DatasetCandidate[] {
  const roots = new Map<string, { classes: Set<string>; images: number }>();
  for (const path of imagePaths) {
    const classDir = dirname(path);
    const root = dirname(classDir);
    if (root === classDir) continue;
    const entry = roots.get(root) ?? { classes: new Set<string>(), images: 0 };
    entry.classes.add(basename(classDir));
    entry.images++;
    roots.set(root, entry);
  }
  return [...roots].map(([root, e]) => ({ root, classes: e.classes.size, images: e.images }));
}

/** Nearness of two paths: how many leading folders they share. */
function sharedDepth(a: string, b: string): number {
  const pa = a.split(sep);
  const pb = b.split(sep);
  let n = 0;
  while (n < pa.length && n < pb.length && pa[n] === pb[n]) n++;
  return n;
}

export async function pickDataset(deps: PickerDeps, modelPath: string): Promise<string | undefined> {
  const { ui, workspace, state } = deps;
  const last = existing(state.get<string>(stateKeys.dataset));
  const images = await workspace.findFiles(imageGlob, searchExclude, imageSearchLimit);
  const capped = images.length >= imageSearchLimit;
  const found = datasetCandidates(images).sort(
    (a, b) => sharedDepth(b.root, modelPath) - sharedDepth(a.root, modelPath) || b.images - a.images || a.root.localeCompare(b.root),
  );
  const ordered = last ? [...found.filter((c) => c.root === last), ...found.filter((c) => c.root !== last)] : found;
  const items: PickItem<Choice>[] = ordered.map((c) => ({
    label: displayPath(c.root, workspace.folders()),
    description: `${c.classes} class folder${c.classes === 1 ? '' : 's'} · ${c.images}${capped ? '+' : ''} images${c.root === last ? ' · last used' : ''}`,
    value: c.root,
  }));
  if (last && !found.some((c) => c.root === last)) items.unshift({ label: displayPath(last, workspace.folders()), description: 'last used', value: last });
  items.push({ label: 'Browse…', description: 'a folder of class folders (or of images with a file,label CSV) anywhere on disk', value: browse });
  items.push({ label: 'Browse for a Dataset File…', description: 'MNIST IDX (.gz), CIFAR .bin batch, NumPy .npy/.npz, labels .csv', value: browseFile });
  const chosen: Choice | undefined = await ui.pick(pickerTitles.dataset, items, 'The dataset: a folder with one sub-folder of images per class, or a dataset file');
  if (chosen === undefined) return undefined;
  const near = last ?? dirname(modelPath);
  const path = chosen === browse ? await ui.openFolder(pickerTitles.dataset, near) : chosen === browseFile ? await ui.openFile(pickerTitles.dataset, datasetFileFilters, near) : chosen;
  if (path) await state.update(stateKeys.dataset, path);
  return path;
}

export async function pickLabelsFile(ui: Ui, near: string): Promise<string | undefined> {
  return ui.openFile(pickerTitles.labels, [{ name: 'Class names, one a line', extensions: ['txt', 'csv', 'labels'] }], near);
}

/** Relative to the workspace folder holding it ("data/test"), else the absolute path. */
export function displayPath(path: string, folders: string[]): string {
  for (const folder of folders) {
    const rel = relative(folder, path);
    if (rel === '') return basename(path) || path;
    if (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel)) return folders.length > 1 ? `${basename(folder)}/${rel.split(sep).join('/')}` : rel.split(sep).join('/');
  }
  return path;
}

function existing(path: string | undefined): string | undefined {
  return path && existsSync(path) ? path : undefined;
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
