/**
 * Lists a dataset folder laid out as `<root>/<class name>/<image>` (the ImageFolder / Keras
 * convention, PROTOCOL.md "Labels and predictions") into analysis tasks.
 *
 * Order: images are sorted by their relative path (code-unit order, independent of locale), and an
 * image's `index` is its position in that order over the whole dataset. `--limit N` keeps the first
 * N of that order; a shard i/n then keeps every image whose index % n == i (interleaved rather than
 * contiguous, so every shard gets a similar mix of classes and the shards finish together).
 */
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { FileReason } from '../protocol/report';
import { walkClassFolders } from './folder-walk';
import { formatSignatureLength, imageExtensions as imageFileExtensions, imageFormatNames, imageFormatOf } from '../worker/images/image-format';
import { restrictToClasses } from './datasets/class-subset';
import type { ImageTask } from '../protocol/messages';
import { datasetFormatOf } from './datasets/index';
import { pickTasks, taskArray, type TaskList } from './task-list';

export interface DatasetListing {
  /** Absolute path of the dataset folder. */
  root: string;
  /** Class names in label order (labels file order, else sorted folder names). */
  classes: string[];
  /** Every image, in sorted relative-path order; `index` is the position in this list. */
  images: TaskList;
  /** Files that are not PNG or JPEG images (and links or folders not followed), relative with '/' separators, sorted. */
  skipped: string[];
  /** The same entries as `skipped`, each with why it was left out. */
  skippedReasons: FileReason[];
  /** Added: the source format ('folder', 'idx', 'cifar', 'npy', 'npz', 'csv'); absent means 'folder'. */
  format?: string;
}

export interface Selection {
  limit?: number;
  /** Keep this many images spread evenly over the (limited) sorted order, so every class is represented. */
  sample?: number;
  shard?: { index: number; count: number };
}

const imageExtensions = new Set(imageFileExtensions);

/** What else selects a dataset's images and labels besides --data and --labels. */
export interface DatasetOptions {
  /** --data-labels: the labels file of an array dataset. */
  dataLabels?: string;
  /** --classes: the classes to analyse (names or indices), in model output order. */
  classes?: string[];
}

/**
 * Lists --data in whichever source format it is (src/run/datasets: IDX, CIFAR, NumPy, a CSV
 * folder; else a class folder), then keeps the --classes subset.
 */
export async function listDataset(dataDir: string, labelsFile?: string, options: DatasetOptions = {}): Promise<DatasetListing> {
  const format = await datasetFormatOf(dataDir);
  if (format === null && options.dataLabels !== undefined) throw new Error('--data-labels is for array datasets (IDX, NumPy); a class folder takes its labels from its folders');
  const listing = format === null ? await listClassFolders(dataDir, labelsFile) : { ...(await format.list(dataDir, { labelsFile, dataLabels: options.dataLabels })), format: format.name };
  return options.classes === undefined ? listing : restrictToClasses(listing, options.classes);
}

/** Reads the folder asynchronously (a large dataset must not stall an extension host). */
async function listClassFolders(dataDir: string, labelsFile?: string): Promise<DatasetListing> {
  const root = resolve(dataDir);
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat) throw new Error(`data folder not found: ${dataDir}`);
  if (!rootStat.isDirectory()) throw new Error(`--data ${dataDir} is a file of no dataset format this tool reads (a class folder, a CSV folder, IDX, CIFAR .bin, .npy, .npz)`);

  const walk = await walkClassFolders(root);
  const skipped = walk.skipped;
  const folders = walk.classFolders;
  if (folders.length === 0) throw new Error(`no class folders in ${dataDir} (expected <class>/<image> layout)`);

  const classes = labelsFile === undefined ? folders : await loadLabels(labelsFile);
  const labelOf = new Map(classes.map((name, label) => [name, label]));
  const unknown = folders.filter((folder) => !labelOf.has(folder));
  if (unknown.length > 0) {
    throw new Error(`class folder${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')} not in labels file ${labelsFile}`);
  }

  const found: { file: string; path: string; label: number }[] = [];
  for (const folder of folders) {
    const files = walk.files.get(folder) ?? [];
    const paths = files.map((file) => join(root, ...file.split('/')));
    const verdicts = await mapInBatches(paths, isImageFile);
    files.forEach((file, i) => {
      if (verdicts[i]) found.push({ file, path: paths[i], label: labelOf.get(folder) as number });
      else skipped.push({ file, reason: `not an image this tool reads (${imageFormatNames})` });
    });
  }
  if (found.length === 0) throw new Error(`no images (${imageFormatNames}) in ${dataDir}`);
  found.sort((a, b) => compareCodeUnits(a.file, b.file));
  skipped.sort((a, b) => compareCodeUnits(a.file, b.file));
  return {
    root,
    classes,
    images: taskArray(found.map((image, index) => ({ index, ...image }))),
    skipped: skipped.map((entry) => entry.file),
    skippedReasons: skipped,
  };
}

/**
 * The images a run analyses: the first `limit` in sorted order, then `sample` of those evenly
 * spaced, then every n-th of those for shard i/n.
 */
export function selectImages(images: TaskList, selection: Selection): TaskList;
export function selectImages(images: readonly ImageTask[], selection: Selection): ImageTask[];
export function selectImages(tasks: TaskList | readonly ImageTask[], selection: Selection): TaskList | ImageTask[] {
  if (isTaskArray(tasks)) return [...selectTasks(taskArray(tasks), selection)];
  return selectTasks(tasks, selection);
}

function isTaskArray(tasks: TaskList | readonly ImageTask[]): tasks is readonly ImageTask[] {
  return Array.isArray(tasks);
}

function selectTasks(images: TaskList, selection: Selection): TaskList {
  if (selection.limit === undefined && selection.sample === undefined && selection.shard === undefined) return images;
  const limited = Math.min(images.length, selection.limit ?? images.length);
  let positions = Uint32Array.from({ length: limited }, (_, position) => position);
  if (selection.sample !== undefined) positions = Uint32Array.from(evenlySpaced(positions, selection.sample));
  const shard = selection.shard;
  if (shard !== undefined) positions = positions.filter((position) => images.indexAt(position) % shard.count === shard.index);
  return pickTasks(images, positions);
}

/** `count` items at evenly spaced positions (the centre of each of `count` equal slices); all when count ≥ length. */
export function evenlySpaced<T>(items: ArrayLike<T>, count: number): T[] {
  if (count >= items.length) return Array.from(items);
  return Array.from({ length: count }, (_, i) => items[Math.floor(((i + 0.5) * items.length) / count)]);
}

/** Class names, one a line, blank lines ignored, surrounding spaces trimmed. */
export function readLabels(labelsFile: string): string[] {
  if (!existsSync(labelsFile)) throw new Error(`labels file not found: ${labelsFile}`);
  return parseLabels(readFileSync(labelsFile, 'utf8'), labelsFile);
}

async function loadLabels(labelsFile: string): Promise<string[]> {
  const text = await readFile(labelsFile, 'utf8').catch(() => null);
  if (text === null) throw new Error(`labels file not found: ${labelsFile}`);
  return parseLabels(text, labelsFile);
}

function parseLabels(text: string, labelsFile: string): string[] {
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length === 0) throw new Error(`labels file ${labelsFile} names no classes`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`labels file ${labelsFile} names class "${name}" twice`);
    seen.add(name);
  }
  return names;
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function mapInBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, batch = 64): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += batch) results.push(...(await Promise.all(items.slice(start, start + batch).map(fn))));
  return results;
}

/** An image by extension and by the file's signature (image-format.ts), so a misnamed file is skipped rather than failing a worker. */
async function isImageFile(path: string): Promise<boolean> {
  if (!imageExtensions.has(extname(path).toLowerCase())) return false;
  const head = Buffer.alloc(formatSignatureLength);
  const file = await open(path, 'r');
  let length: number;
  try {
    ({ bytesRead: length } = await file.read(head, 0, head.length, 0));
  } finally {
    await file.close();
  }
  return imageFormatOf(head.subarray(0, length)) !== null;
}
