/**
 * What every dataset source format provides (one module per format in this folder, listed in
 * index.ts), and the listing shared by the array formats: one task per record, named
 * `<file>#<record>`, located for the worker by an ArrayRecordSource.
 */
import { basename, resolve } from 'node:path';
import type { ArrayRecordSource, ImageTask } from '../../protocol/messages';
import { TaskListBase } from '../task-list';
import type { FileReason } from '../../protocol/report';
import type { DatasetListing } from '../dataset';
import { readLabels } from '../dataset';

export interface DatasetChoices {
  /** --labels: class names in model output order (for an array source: the names of label values 0, 1, …). */
  labelsFile?: string;
  /** --data-labels: the labels of an array source, when they are not in the sibling file the format names. */
  dataLabels?: string;
}

export interface DatasetFormat {
  /** Short name, recorded in the report's config.dataFormat. */
  name: string;
  /** File name endings the extension's dataset picker offers for it (without the dot). */
  extensions: readonly string[];
  /** Whether --data `path` is in this format (by its name and first bytes; cheap). */
  recognises(path: string, isDirectory: boolean): Promise<boolean>;
  /** Lists the dataset; throws one line naming the file and the problem. */
  list(path: string, choices: DatasetChoices): Promise<DatasetListing>;
}

/** An images array as its format's header describes it. */
export interface ArrayImages {
  format: string;
  path: string;
  /** Where the array file's decoded bytes come from (a StreamPlace; for HDF5, encoding 'hdf5' and start 0). */
  place: { encoding: ArrayRecordSource['encoding']; start: number };
  /** The HDF5 path of the images dataset, for encoding 'hdf5'. */
  dataset?: string;
  /** Decoded byte where record 0 starts. */
  firstRecord: number;
  /** Decoded bytes from one record's start to the next's (the image plus, for CIFAR, the next label). */
  stride: number;
  /** Bytes to skip at each record's start (CIFAR's label bytes). */
  skip: number;
  /** Records the header announces. */
  count: number;
  /** Complete records actually in the file (fewer when it is truncated). */
  available: number;
  /** Why `available` < `count`, when it is. */
  damage: string | null;
  dtype: ArrayRecordSource['dtype'];
  littleEndian: boolean;
  layout: ArrayRecordSource['layout'];
  height: number;
  width: number;
  channels: number;
}

/**
 * The tasks of an array source: one per record that is complete and has a label, named
 * `<recordName>#<record>` (default the file's name). Made as they are asked for (task-list.ts):
 * the host holds the labels, four bytes a record, and the images' description.
 */
export function arrayListing(images: ArrayImages, labels: ArrayLike<number>, labelsName: string, classes: string[], recordName: string = basename(images.path)): DatasetListing {
  const name = basename(images.path);
  const usable = Math.min(images.available, labels.length);
  const skippedReasons: FileReason[] = [];
  if (images.available < images.count) {
    skippedReasons.push({
      file: `${name}#${images.available}-${images.count - 1}`,
      reason: `${images.damage ?? 'truncated'}: ${name} holds ${images.available} complete images of the ${images.count} its header announces`,
    });
  }
  if (labels.length < images.available) {
    skippedReasons.push({ file: `${name}#${labels.length}-${images.available - 1}`, reason: `no label: ${labelsName} has ${labels.length} labels for ${images.available} images` });
  }
  const recordLabels = new Int32Array(usable);
  for (let index = 0; index < usable; index++) {
    const label = labels[index];
    if (!(Number.isInteger(label) && label >= 0 && label < classes.length)) {
      throw new Error(`${labelsName}: label ${label} of image ${index} is not a class index 0…${classes.length - 1}${classes.length > 0 ? ` (${classes.length} classes)` : ''}`);
    }
    recordLabels[index] = label;
  }
  if (usable === 0) throw new Error(`${name}: no complete image with a label`);
  const path = resolve(images.path);
  return { root: path, classes, images: new ArrayRecordTasks({ ...images, path }, recordLabels, recordName), skipped: skippedReasons.map((entry) => entry.file), skippedReasons };
}

/** Record i of an images array, with label labels[i], made when asked for. */
class ArrayRecordTasks extends TaskListBase {
  constructor(
    private readonly images: ArrayImages,
    private readonly labels: Int32Array,
    private readonly recordName: string,
  ) {
    super();
  }

  get length(): number {
    return this.labels.length;
  }

  at(index: number): ImageTask {
    const images = this.images;
    const source: ArrayRecordSource = {
      format: images.format,
      path: images.path,
      index,
      encoding: images.place.encoding,
      start: images.place.start,
      offset: images.firstRecord + index * images.stride + images.skip,
      dtype: images.dtype,
      littleEndian: images.littleEndian,
      layout: images.layout,
      height: images.height,
      width: images.width,
      channels: images.channels,
      ...(images.dataset === undefined ? {} : { dataset: images.dataset }),
    };
    return { index, file: `${this.recordName}#${index}`, path: images.path, label: this.labels[index], source };
  }

  override indexAt(position: number): number {
    return position;
  }

  override labelAt(position: number): number {
    return this.labels[position];
  }
}

/**
 * Class names of integer labels: the --labels file (names of label values 0, 1, …), else names the
 * dataset ships, else the label values themselves ("0" … "9").
 */
export function classNamesOf(labels: ArrayLike<number>, labelsFile: string | undefined, shipped: string[] | null): string[] {
  if (labelsFile !== undefined) return readLabels(labelsFile);
  if (shipped !== null) return shipped;
  let highest = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > highest) highest = labels[i];
  return Array.from({ length: highest + 1 }, (_, value) => String(value));
}

export const bytesPerElement: Record<ArrayRecordSource['dtype'], number> = { uint8: 1, uint16: 2, float32: 4, float64: 8 };
