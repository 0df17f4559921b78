/**
 * The check that runs before any worker starts: the dataset's classes (its class folders, or the
 * labels file) against the number of classes the model predicts.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compareCodeUnits, readLabels } from '../run/dataset';
import type { ModelOutputs } from '../worker/model/model-outputs';

/** Class folder names of a dataset folder, by the same rules as the run host's listing (non-hidden, sorted). */
export async function classFolders(dataDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dataDir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`dataset folder not found: ${dataDir}`);
    if (code === 'ENOTDIR') throw new Error(`the dataset must be a folder of class folders: ${dataDir} is a file`);
    throw new Error(`cannot read the dataset folder ${dataDir}: ${code ?? String(error)}`);
  }
  const folders: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const isFolder = entry.isSymbolicLink() ? (await stat(join(dataDir, entry.name)).catch(() => null))?.isDirectory() : entry.isDirectory();
    if (isFolder) folders.push(entry.name);
  }
  return folders.sort(compareCodeUnits);
}

export interface ClassCheck {
  /** Class names in label order. */
  classes: string[];
}

/**
 * Throws a one-line Error when the dataset cannot be read with this model: no class folders, a
 * class count that differs from the model's, or class folders missing from the labels file.
 * `outputs` null means the model.json does not say (the worker checks it when it loads the model).
 */
export function checkClasses(folders: string[], outputs: ModelOutputs | null, labels?: { file: string; names: string[] }): ClassCheck {
  if (folders.length === 0) throw new Error('the dataset folder has no class folders: expected <class name>/<image> inside it');
  const classes = labels ? labels.names : folders;
  if (labels) {
    const missing = folders.filter((f) => !labels.names.includes(f));
    if (missing.length > 0) throw new Error(`class folder${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not in the labels file ${labels.file}`);
  }
  if (outputs && classes.length !== outputs.classes) {
    const have = labels ? `the labels file names ${plural(classes.length, 'class', 'classes')}` : `dataset has ${plural(classes.length, 'class folder', 'class folders')}`;
    throw new Error(`${have} but the model has ${describeOutputs(outputs)}`);
  }
  return { classes };
}

export function readLabelNames(file: string): { file: string; names: string[] } {
  return { file, names: readLabels(file) };
}

function describeOutputs(outputs: ModelOutputs): string {
  if (outputs.units === 1) return '1 output (a sigmoid: 2 classes)';
  return plural(outputs.units, 'output', 'outputs');
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
