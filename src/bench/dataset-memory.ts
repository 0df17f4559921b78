/**
 * Dataset memory (`--dataset-memory <IDX images file>`): peak resident memory of the run host's
 * dataset path and of a worker's record reading, at several dataset sizes, to show it flat in the
 * number of images (docs/benchmarks.md "Dataset memory"). For each size n the first n records of
 * the file (and of its sibling labels file) are written as a gzipped IDX pair, then a fresh
 * process, this bench's own script started with ROBUSTNESS_LENS_DATASET_MEMORY_PASS naming the
 * pair, runs the real code in order: listDataset and selectImages as `check` runs them, every task
 * handed out through the worker pool's TaskQueue four at a time, and each record read with the
 * worker's readArrayRecord. Its peak RSS (VmHWM) is read after module loading, after listing and
 * at the end, and what it still holds after a garbage collection. Sizes beyond the file's record
 * count repeat its records. A whole check is not run: its report holds a record per image by design.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { listDataset, selectImages } from '../run/dataset';
import { parseIdxHeader, siblingLabelFiles } from '../run/datasets/idx';
import { TaskQueue } from '../run/task-queue';
import { readArrayRecord } from '../worker/images/array-record';
import { peakResidentBytes } from './process-stats';

/** Set in the environment of the measuring process: the IDX images file it lists and reads. */
export const datasetMemoryPassEnv = 'ROBUSTNESS_LENS_DATASET_MEMORY_PASS';

export interface DatasetMemoryOptions {
  file: string;
  /** Dataset sizes measured; sizes above the file's record count are left out. */
  sizes: number[];
}

export interface DatasetMemoryPass {
  images: number;
  /** Peak RSS once the modules are loaded, before the dataset is opened. */
  startMB: number;
  listedMB: number;
  /** After every task was handed out and every record read. */
  readMB: number;
  /** Heap and external memory still held at the end, the listing alive, after a full garbage collection: what the run keeps, without the garbage V8 had not collected yet. */
  heldMB: number;
  seconds: number;
  /** Sum of every record's first value, so no read can be skipped. */
  checksum: number;
}

export interface DatasetMemorySection {
  file: string;
  /** Images in the file; larger sizes repeat its records in order. */
  fileImages: number;
  passes: DatasetMemoryPass[];
}

const megabytes = (kilobytes: number) => kilobytes / 1024;

/**
 * This process's peak resident memory, KB: VmHWM on Linux, which starts afresh with the process's
 * program (getrusage's maxRSS would start at the forking bench's resident memory, kept across exec).
 */
function peakRssKB(): number {
  const bytes = peakResidentBytes(process.pid);
  // No /proc: getrusage's figure.
  return bytes === null ? process.resourceUsage().maxRSS : bytes / 1024;
}

/** What the measuring process does (in the process named by datasetMemoryPassEnv); prints its pass as JSON. */
export async function datasetMemoryPass(file: string): Promise<DatasetMemoryPass> {
  const startKB = peakRssKB();
  const started = Date.now();
  const listing = await listDataset(file);
  const selected = selectImages(listing.images, {});
  const listedKB = peakRssKB();
  const queue = new TaskQueue();
  queue.add(selected);
  let checksum = 0;
  while (queue.length > 0) {
    for (const task of queue.take(4)) {
      if (!task.source) throw new Error(`${task.file} is not an array record`);
      checksum += (await readArrayRecord(task.source)).data[0];
    }
  }
  const readKB = peakRssKB();
  const seconds = (Date.now() - started) / 1000;
  // The pass runs with --expose-gc: a collection after the peak was read, so what is held can be told from what was garbage.
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  await new Promise((settle) => setTimeout(settle, 100));
  collect?.();
  const { heapUsed, external } = process.memoryUsage();
  return { images: selected.length, startMB: megabytes(startKB), listedMB: megabytes(listedKB), readMB: megabytes(readKB), heldMB: (heapUsed + external) / 1024 ** 2, seconds, checksum };
}

/** The IDX images file and its sibling labels with `count` records (the file's first, repeated in order when it has fewer), gzipped under `dir`. */
function writeIdxPrefix(images: Buffer, labels: Buffer, name: string, count: number, dir: string): string {
  const cut = (bytes: Buffer, source: string) => {
    const header = parseIdxHeader(bytes, source);
    const recordBytes = header.shape.slice(1).reduce((a, b) => a * b, 1);
    const records = bytes.subarray(header.length, header.length + header.shape[0] * recordBytes);
    const out = Buffer.alloc(header.length + count * recordBytes);
    bytes.copy(out, 0, 0, header.length);
    out.writeUInt32BE(count, 4);
    for (let at = 0; at < count * recordBytes; at += records.length) records.copy(out, header.length + at, 0, Math.min(records.length, count * recordBytes - at));
    return gzipSync(out, { level: 1 });
  };
  mkdirSync(dir, { recursive: true });
  const imagesName = name.replace(/\.gz$/i, '');
  const path = join(dir, `${imagesName}.gz`);
  writeFileSync(path, cut(images, name));
  writeFileSync(join(dir, `${basename(siblingLabelFiles(path)[0])}`), cut(labels, 'labels'));
  return path;
}

function runPass(file: string, script: string, execArgv: readonly string[]): Promise<DatasetMemoryPass> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { execArgv: [...execArgv, '--expose-gc'], env: { ...process.env, [datasetMemoryPassEnv]: file }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as DatasetMemoryPass);
      else reject(new Error(`the dataset memory pass on ${file} exited with code ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/**
 * Measures each size in a fresh process. `script` is what that process runs (this bench's
 * bundle, or src/bench/main.ts under tsx), with `execArgv`.
 */
export async function measureDatasetMemory(
  options: DatasetMemoryOptions,
  workDir: string,
  log: (line: string) => void,
  script: string = process.argv[1],
  execArgv: readonly string[] = process.execArgv,
): Promise<DatasetMemorySection> {
  const name = basename(options.file);
  const labelsPath = siblingLabelFiles(options.file).find((candidate) => existsSync(candidate));
  if (!existsSync(options.file) || labelsPath === undefined) throw new Error(`--dataset-memory needs an IDX images file with its labels file beside it (${options.file})`);
  const read = (path: string) => (/\.gz$/i.test(path) ? gunzipSync(readFileSync(path)) : readFileSync(path));
  const images = read(options.file);
  const labels = read(labelsPath);
  const count = parseIdxHeader(images, name).shape[0];
  const section: DatasetMemorySection = { file: options.file, fileImages: count, passes: [] };
  const dir = join(workDir, 'dataset-memory');
  try {
    for (const size of options.sizes) {
      const prefix = writeIdxPrefix(images, labels, name, size, join(dir, String(size)));
      log(`dataset memory: listing and reading ${size} images of ${name} in a fresh process`);
      section.passes.push(await runPass(prefix, script, execArgv));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return section;
}

export function formatDatasetMemory(section: DatasetMemorySection | undefined): string {
  if (!section) return '';
  const lines = [
    '',
    `dataset memory: ${section.file} (${section.fileImages} images; more repeat them), each size in a fresh process: listing, the pool's task hand-out, every record read`,
    '| images | peak RSS at start, MB | after listing, MB | after reading every record, MB | held at the end after GC, MB | seconds |',
    '| --- | --- | --- | --- | --- | --- |',
    ...section.passes.map((p) => `| ${p.images} | ${p.startMB.toFixed(0)} | ${p.listedMB.toFixed(0)} | ${p.readMB.toFixed(0)} | ${p.heldMB.toFixed(1)} | ${p.seconds.toFixed(1)} |`),
  ];
  return `${lines.join('\n')}\n`;
}
