/**
 * A flat folder of images with a CSV naming each image's class: a header row with a file column
 * (`file`, `filename`, `image`, `path`) and a label column (`label`, `class`), then one row per
 * image; a file is relative to the CSV's folder. Labels are class names, or class indices when
 * every label is a whole number (named by --labels, else "0", "1", …). `--data` is the CSV, or a
 * folder holding exactly one such CSV. Rows are analysed in sorted file order, like a class-folder
 * dataset; a row naming a missing or unreadable file is skipped with its reason.
 */
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ImageTask } from '../../protocol/messages';
import type { FileReason } from '../../protocol/report';
import { formatSignatureLength, imageFormatOf } from '../../worker/images/image-format';
import { taskArray } from '../task-list';
import { compareCodeUnits, readLabels, type DatasetListing } from '../dataset';
import type { DatasetChoices, DatasetFormat } from './source';

const fileColumns = ['file', 'filename', 'image', 'path'];
const labelColumns = ['label', 'class'];

export interface CsvRow {
  file: string;
  label: string;
}

/** The rows of a labels CSV; throws one line naming `source` when it lacks the columns. Pure. */
export function parseLabelsCsv(text: string, source: string): CsvRow[] {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: true, bom: true }) as string[][];
  } catch (error) {
    throw new Error(`${source}: unreadable CSV (${(error as Error).message.split('\n')[0]})`);
  }
  const [header, ...rows] = records;
  const columns = (header ?? []).map((name) => name.toLowerCase());
  const fileAt = columns.findIndex((name) => fileColumns.includes(name));
  const labelAt = columns.findIndex((name) => labelColumns.includes(name));
  if (fileAt < 0 || labelAt < 0) throw new Error(`${source}: the first row must name a file column (${fileColumns.join('/')}) and a label column (${labelColumns.join('/')})`);
  return rows.map((row, i) => {
    const file = row[fileAt] ?? '';
    const label = row[labelAt] ?? '';
    if (file === '' || label === '') throw new Error(`${source}: row ${i + 2} lacks a file or a label`);
    return { file: file.split('\\').join('/'), label };
  });
}

/** Class names and each row's label index: --labels order, else indices when every label is a whole number, else sorted names. */
export function csvClasses(rows: readonly CsvRow[], labelsFile: string | undefined, source: string): { classes: string[]; labelOf: (row: CsvRow) => number } {
  const numeric = rows.every((row) => /^\d+$/.test(row.label));
  if (labelsFile !== undefined) {
    const classes = readLabels(labelsFile);
    const index = new Map(classes.map((name, i) => [name, i]));
    return {
      classes,
      labelOf: (row) => {
        const found = index.get(row.label) ?? (numeric ? Number(row.label) : undefined);
        if (found === undefined || found >= classes.length) throw new Error(`${source}: label "${row.label}" of ${row.file} is not a class of ${basename(labelsFile)}`);
        return found;
      },
    };
  }
  if (numeric) {
    const highest = Math.max(...rows.map((row) => Number(row.label)));
    return { classes: Array.from({ length: highest + 1 }, (_, i) => String(i)), labelOf: (row) => Number(row.label) };
  }
  const classes = [...new Set(rows.map((row) => row.label))].sort(compareCodeUnits);
  const index = new Map(classes.map((name, i) => [name, i]));
  return { classes, labelOf: (row) => index.get(row.label) as number };
}

export const csvFolderFormat: DatasetFormat = {
  name: 'csv',
  extensions: ['csv'],
  async recognises(path, isDirectory) {
    if (!isDirectory) return extname(path).toLowerCase() === '.csv';
    return (await labelCsvsIn(path)).length === 1;
  },
  async list(path: string, choices: DatasetChoices): Promise<DatasetListing> {
    const isDirectory = (await stat(path)).isDirectory();
    const csvPath = isDirectory ? (await labelCsvsIn(path))[0] : path;
    const folder = dirname(resolve(csvPath));
    const source = basename(csvPath);
    const rows = parseLabelsCsv(await readFile(csvPath, 'utf8'), source);
    if (rows.length === 0) throw new Error(`${source}: no rows`);
    const { classes, labelOf } = csvClasses(rows, choices.labelsFile, source);
    const skippedReasons: FileReason[] = [];
    const seen = new Set<string>();
    const found: Omit<ImageTask, 'index'>[] = [];
    for (const row of rows) {
      const imagePath = resolve(folder, ...row.file.split('/'));
      const inside = relative(folder, imagePath);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        skippedReasons.push({ file: row.file, reason: `outside the folder of ${source}` });
        continue;
      }
      const file = inside.split('\\').join('/');
      if (seen.has(file)) {
        skippedReasons.push({ file, reason: `listed twice in ${source}` });
        continue;
      }
      seen.add(file);
      const problem = await imageFileProblem(imagePath);
      if (problem) skippedReasons.push({ file, reason: `${problem} (listed in ${source})` });
      else found.push({ file, path: imagePath, label: labelOf(row) });
    }
    if (found.length === 0) throw new Error(`${source}: none of its ${rows.length} files is a readable image`);
    found.sort((a, b) => compareCodeUnits(a.file, b.file));
    skippedReasons.sort((a, b) => compareCodeUnits(a.file, b.file));
    return {
      root: folder,
      classes,
      images: taskArray(found.map((image, index) => ({ index, ...image }))),
      skipped: skippedReasons.map((entry) => entry.file),
      skippedReasons,
    };
  },
};

/** The CSVs at the top of `folder` whose header names a file and a label column. */
async function labelCsvsIn(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter((name) => extname(name).toLowerCase() === '.csv' && !name.startsWith('.')).sort(compareCodeUnits);
  const matching: string[] = [];
  for (const name of names) {
    const firstLine = (await readStart(join(folder, name), 4096)).toString('utf8').split(/\r?\n/)[0].toLowerCase();
    const columns = firstLine.split(',').map((column) => column.trim().replace(/^"|"$/g, ''));
    if (columns.some((column) => fileColumns.includes(column)) && columns.some((column) => labelColumns.includes(column))) matching.push(join(folder, name));
  }
  return matching;
}

async function imageFileProblem(path: string): Promise<string | null> {
  const head = await readStart(path, formatSignatureLength).catch(() => null);
  if (head === null) return 'missing';
  return imageFormatOf(head) === null ? 'not an image this tool reads' : null;
}

async function readStart(path: string, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await file.read(bytes, 0, length, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
