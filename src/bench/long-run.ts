/**
 * The long run (`--long-run N`): the real CLI (dist/cli.js) on N tiny generated images with a tiny
 * real TF.js model, sampled every window of images for wall-clock throughput, the workers' own CPU
 * time (images per worker CPU-second stays steady when the code's cost does, even while other jobs
 * take the cores) and the resident memory of the CLI and of each worker, to show them flat from
 * start to end.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encode as encodePng } from 'fast-png';
import { locateBundleFile } from '../run/bundle-files';
import { fileSystemHandler } from '../worker/model/file-io';
import { childPids } from './memory';
import { cpuSecondsOf, residentBytesOf } from './process-stats';

export interface LongRunOptions {
  images: number;
  workers: number;
  /** Images between two samples. */
  window: number;
}

/** The check's settings on the long run: small, so the run measures the pipeline over many images. */
const longRunCheckArgs = ['--samples', '100', '--scales', '64', '--max-eps', '4', '--details', '0', '--no-universality'] as const;

/** One sample, for the images done since the previous one. */
export interface LongRunWindow {
  done: number;
  /** Since the first progress line (the model loaded and the workers started). */
  seconds: number;
  imagesPerSecond: number;
  /** CPU-seconds (utime + stime) all workers ran in the window. */
  workerCpuSeconds: number;
  imagesPerWorkerCpuSecond: number | null;
  cliCpuSeconds: number;
  /** The CLI's highest resident memory in the window (polled every 200 ms). */
  cliResidentMB: number | null;
  /** Each worker's highest resident memory in the window, in order of pid (a replaced worker adds one). */
  workerResidentMB: number[];
}

export interface LongRunSection {
  images: number;
  workers: number;
  window: number;
  /** The check's arguments besides --model, --data, --out and --workers. */
  checkArgs: string[];
  windows: LongRunWindow[];
  exitCode: number | null;
  /** From spawning the CLI to its exit. */
  seconds: number;
  /** The CLI's last stderr line when it did not exit 0. */
  error: string | null;
}

const size = 8;
const megabytes = (bytes: number | null) => (bytes === null ? null : bytes / 1024 ** 2);

/**
 * A linear classifier on 8×8×1 images (bright: class light, dark: class dark) and `images` PNGs
 * alternating between the classes, under `dir`. Needs a TF.js backend set in this process.
 */
async function writeLongRunFixture(dir: string, images: number): Promise<{ model: string; data: string }> {
  rmSync(dir, { recursive: true, force: true });
  const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [size, size, 1] }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const weights = [tf.fill([size * size, 1], 0.5), tf.tensor1d([-0.25 * size * size])];
  model.layers[1].setWeights(weights);
  const modelPath = join(dir, 'model', 'model.json');
  try {
    await model.save(fileSystemHandler(modelPath));
  } finally {
    tf.dispose(weights);
    model.dispose();
  }
  const data = join(dir, 'data');
  for (const name of ['dark', 'light']) mkdirSync(join(data, name), { recursive: true });
  for (let i = 0; i < images; i++) {
    const light = i % 2 === 1;
    const base = light ? 190 : 60;
    const pixels = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) pixels[y * size + x] = base + ((x * 7 + y * 3 + i * 11) % 40) - 20;
    writeFileSync(join(data, light ? 'light' : 'dark', `${String(i).padStart(6, '0')}.png`), encodePng({ width: size, height: size, data: pixels, channels: 1, depth: 8 }));
  }
  return { model: modelPath, data };
}

/**
 * Follows the CLI and its workers in /proc, polled often: the CPU time of a worker that has exited
 * (the workers end before the CLI prints its last line) counts up to the last poll, and memory is
 * the highest resident set each process had at a poll of the current window.
 */
class ProcessTracker {
  private readonly workerCpu = new Map<number, number>();
  private workerPeaks = new Map<number, number>();
  private cliCpu = 0;
  private cliPeak: number | null = null;

  constructor(private readonly cliPid: number) {}

  poll(): void {
    const cpu = cpuSecondsOf(this.cliPid);
    if (cpu === null) return;
    this.cliCpu = cpu;
    const cliBytes = residentBytesOf(this.cliPid);
    if (cliBytes !== null) this.cliPeak = Math.max(cliBytes, this.cliPeak ?? 0);
    for (const pid of childPids(this.cliPid)) {
      const workerCpu = cpuSecondsOf(pid);
      const bytes = residentBytesOf(pid);
      if (workerCpu === null || bytes === null) continue;
      this.workerCpu.set(pid, workerCpu);
      this.workerPeaks.set(pid, Math.max(bytes, this.workerPeaks.get(pid) ?? 0));
    }
  }

  /** CPU-seconds so far: every worker seen, and the CLI. */
  cpuSeconds(): { workers: number; cli: number } {
    let workers = 0;
    for (const seconds of this.workerCpu.values()) workers += seconds;
    return { workers, cli: this.cliCpu };
  }

  /** The window's peak resident bytes (the CLI; each worker seen, in order of pid), and a new window begun. */
  takeResidentPeaks(): { cli: number | null; workers: number[] } {
    const peaks = { cli: this.cliPeak, workers: [...this.workerPeaks.entries()].sort((a, b) => a[0] - b[0]).map(([, bytes]) => bytes) };
    this.cliPeak = null;
    this.workerPeaks = new Map();
    return peaks;
  }
}

const pollMs = 200;

/** Runs the long run in `workDir` (its fixture and output are removed afterwards). */
export async function runLongRun(options: LongRunOptions, workDir: string, log: (line: string) => void = () => {}): Promise<LongRunSection> {
  const cli = locateBundleFile('cli.js');
  if (!cli) throw new Error('dist/cli.js not found (run npm run build first)');
  const dir = join(workDir, `long-run-${options.images}`);
  log(`long run: writing ${options.images} images`);
  const fixture = await writeLongRunFixture(dir, options.images);
  const checkArgs = [...longRunCheckArgs];
  const args = [cli, 'check', '--model', fixture.model, '--data', fixture.data, '--out', join(dir, 'out'), '--workers', String(options.workers), ...checkArgs];
  log(`long run: ${options.images} images on ${options.workers} worker(s)`);
  const spawned = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const tracker = new ProcessTracker(child.pid as number);
  const poller = setInterval(() => tracker.poll(), pollMs);
  let last = { done: 0, at: spawned, cpu: { workers: 0, cli: 0 } };
  let started: number | null = null;
  const windows: LongRunWindow[] = [];
  const sample = (done: number) => {
    const now = Date.now();
    tracker.poll();
    const cpu = tracker.cpuSeconds();
    const resident = tracker.takeResidentPeaks();
    const images = done - last.done;
    const workerCpuSeconds = cpu.workers - last.cpu.workers;
    windows.push({
      done,
      seconds: (now - (started ?? spawned)) / 1000,
      imagesPerSecond: images / Math.max((now - last.at) / 1000, 1e-3),
      workerCpuSeconds,
      imagesPerWorkerCpuSecond: workerCpuSeconds > 0 ? images / workerCpuSeconds : null,
      cliCpuSeconds: cpu.cli - last.cpu.cli,
      cliResidentMB: megabytes(resident.cli),
      workerResidentMB: resident.workers.map((bytes) => bytes / 1024 ** 2),
    });
    last = { done, at: now, cpu };
  };
  let buffer = '';
  let lastLine = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    buffer += text;
    const lines = buffer.split(/[\r\n]/);
    buffer = lines.pop() as string;
    for (const line of lines) {
      if (line.trim()) lastLine = line.trim();
      const match = /^(\d+)\/(\d+) images/.exec(line.trim());
      if (!match) continue;
      const done = Number(match[1]);
      const total = Number(match[2]);
      if (started === null && done < total) {
        // The first progress line: the model is loaded and the workers run. Windows count from here,
        // so that start-up does not pass for slow images.
        started = Date.now();
        tracker.poll();
        tracker.takeResidentPeaks();
        last = { done, at: started, cpu: tracker.cpuSeconds() };
        continue;
      }
      if (done - last.done >= options.window || (done === total && done > last.done)) sample(done);
    }
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearInterval(poller);
  const seconds = (Date.now() - spawned) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return { images: options.images, workers: options.workers, window: options.window, checkArgs, windows, exitCode, seconds, error: exitCode === 0 ? null : lastLine || `exit ${exitCode}` };
}

const fixed = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));

function range(values: readonly number[], digits: number): string {
  return values.length === 0 ? '–' : `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

/** The long run as a markdown table (as docs/benchmarks.md shows it) with a line of ranges under it. */
export function formatLongRun(section: LongRunSection | undefined): string {
  if (!section) return '';
  const lines = [
    '',
    `long run: ${section.images} images, ${section.workers} worker(s), check ${section.checkArgs.join(' ')} · exit ${section.exitCode} after ${section.seconds.toFixed(0)} s${section.error ? ` · ${section.error}` : ''}`,
    '| images done | seconds | images/s (wall clock) | worker CPU-s | images per worker CPU-s | CLI CPU-s | CLI peak RSS, MB | worker peak RSS, MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const w of section.windows) {
    lines.push(
      `| ${w.done} | ${w.seconds.toFixed(0)} | ${w.imagesPerSecond.toFixed(1)} | ${w.workerCpuSeconds.toFixed(1)} | ${fixed(w.imagesPerWorkerCpuSecond, 1)} | ${w.cliCpuSeconds.toFixed(1)} | ${fixed(w.cliResidentMB, 0)} | ${w.workerResidentMB.map((mb) => mb.toFixed(0)).join(', ') || '–'} |`,
    );
  }
  const perCpu = section.windows.map((w) => w.imagesPerWorkerCpuSecond).filter((v): v is number => v !== null);
  lines.push(
    `ranges over the windows: images/s ${range(section.windows.map((w) => w.imagesPerSecond), 1)}, images per worker CPU-s ${range(perCpu, 1)}, ` +
      `CLI RSS ${range(section.windows.map((w) => w.cliResidentMB).filter((v): v is number => v !== null), 0)} MB, worker RSS ${range(section.windows.flatMap((w) => w.workerResidentMB), 0)} MB`,
  );
  return `${lines.join('\n')}\n`;
}
