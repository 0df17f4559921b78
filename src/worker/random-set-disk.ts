/**
 * A random set too large for ROBUSTNESS_LENS_RANDOM_SET_MB kept in a scratch file, so its rows are
 * drawn once per worker and read back for every image. Drawing costs ~20–30 ns a value on the
 * worker's thread (6 s or more for 2000 × 224·224·3); reading it back from the page cache costs a
 * memcpy into the array that goes to the model. Bit for bit the same rows.
 *
 * `runRandomSet` writes every chunk during the pass that computes the rows' norms at init, so no
 * image draws at all.
 *
 * The file is unlinked as soon as it is open (POSIX), so it goes with the process whatever ends
 * it, SIGKILL included. ROBUSTNESS_LENS_RANDOM_SET_DISK_MB bounds it (default 8192; 0: never).
 * A write that fails (disk full) leaves those rows to be regenerated.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unitBallSamplesWithin, type RandomSet, type RandomSetMemory } from '../engine/sampling';

export const randomSetDiskEnv = 'ROBUSTNESS_LENS_RANDOM_SET_DISK_MB';
export const defaultRandomSetDiskMegabytes = 8192;

export function randomSetDiskBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[randomSetDiskEnv];
  if (raw === undefined || raw.trim() === '') return defaultRandomSetDiskMegabytes * 1024 * 1024;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${randomSetDiskEnv} must be a non-negative number of megabytes, got "${raw}"`);
  return value * 1024 * 1024;
}

/** Where a run's random set lives: in memory, in a scratch file, or regenerated for every image. */
export type RandomSetStorage = 'memory' | 'scratch-file' | 'regenerated';

/** Where `runRandomSet` will keep a set of `count` rows of `dimension` values under these budgets. */
export function randomSetStorage(count: number, dimension: number, memoryBudgetBytes: number, diskBudgetBytes: number): RandomSetStorage {
  const bytes = count * dimension * 4;
  if (bytes <= memoryBudgetBytes) return 'memory';
  return bytes <= diskBudgetBytes ? 'scratch-file' : 'regenerated';
}

/**
 * The run's random set (unitBallSamplesWithin's rows): resident when it fits `memory.budgetBytes`,
 * else drawn once into a scratch file of at most `diskBudgetBytes` and read back from it, else
 * regenerated chunk by chunk. `storage` says which it became (a scratch file that cannot be
 * opened falls back to regenerating).
 */
export function runRandomSet(
  count: number,
  dimension: number,
  seed: number,
  memory: RandomSetMemory,
  diskBudgetBytes: number,
  folder: string = tmpdir(),
): { set: RandomSet; storage: RandomSetStorage } {
  const planned = randomSetStorage(count, dimension, memory.budgetBytes, diskBudgetBytes);
  const scratch = planned === 'scratch-file' ? ScratchFile.open(folder) : null;
  if (!scratch) {
    const set = unitBallSamplesWithin(count, dimension, seed, memory);
    return { set, storage: set.resident ? 'memory' : 'regenerated' };
  }
  const kept = new KeptRows(count, dimension, scratch);
  const set = unitBallSamplesWithin(count, dimension, seed, memory, (start, rows, values) => kept.write(start, rows, values));
  return { set: kept.over(set), storage: 'scratch-file' };
}

/**
 * Which rows of a set are in the scratch file, and reading and writing them there. Rows are read
 * into one of two buffers in turn: a fresh 1.8 MB array per chunk at 224×224×3 cost ~6 ms in page
 * faults and garbage collection against ~0.4 ms for the read itself, a tenth of the chunk's four
 * forward passes. Each call returns a new view, so a classifier that keeps arrays by identity
 * never takes one chunk for another; a view holds its rows until the call after the next.
 */
class KeptRows {
  private readonly written: Uint8Array;
  private readonly buffers: [ArrayBuffer | null, ArrayBuffer | null] = [null, null];
  private nextBuffer = 0;

  constructor(
    count: number,
    private readonly dimension: number,
    private readonly file: ScratchFile,
  ) {
    this.written = new Uint8Array(count);
  }

  write(start: number, count: number, values: Float32Array): void {
    if (this.file.write(start * this.dimension * 4, values)) this.written.fill(1, start, start + count);
  }

  /** The rows start … start+count−1 read back, or null when some are not kept. */
  read(start: number, count: number): Float32Array | null {
    for (let j = start; j < start + count; j++) if (this.written[j] === 0) return null;
    const out = this.buffer(count * this.dimension);
    if (this.file.read(start * this.dimension * 4, out)) return out;
    this.written.fill(0, start, start + count);
    return null;
  }

  /** A view of `values` floats on the buffer after the last one used. */
  private buffer(values: number): Float32Array {
    const which = this.nextBuffer;
    this.nextBuffer = 1 - which;
    let buffer = this.buffers[which];
    if (buffer === null || buffer.byteLength < values * 4) this.buffers[which] = buffer = new ArrayBuffer(values * 4);
    return new Float32Array(buffer, 0, values);
  }

  /** `set`'s norms with rows read back where kept, else drawn by `set` and kept from then on. */
  over(set: RandomSet): RandomSet {
    return {
      count: set.count,
      dimension: set.dimension,
      l2: set.l2,
      l1: set.l1,
      linf: set.linf,
      resident: false,
      rows: (start: number, count: number): Float32Array => {
        const kept = this.read(start, count);
        if (kept) return kept;
        const rows = set.rows(start, count);
        this.write(start, count, rows);
        return rows;
      },
    };
  }
}

/** An unlinked file of float32 rows at byte positions; a failed read or write says so and throws nothing. */
class ScratchFile {
  private constructor(private readonly fd: number) {}

  static open(folder: string): ScratchFile | null {
    const path = join(folder, `robustness-lens-random-set-${process.pid}-${Date.now()}-${(openedFiles++).toString()}.f32`);
    let fd: number;
    try {
      fd = openSync(path, 'w+');
    } catch {
      return null;
    }
    try {
      unlinkSync(path);
    } catch {
      // Windows keeps an open file: it is removed when the worker exits (below).
      process.once('exit', () => {
        try {
          closeSync(fd);
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      });
    }
    const file = new ScratchFile(fd);
    // A worker keeps its one file for life; the bench draws several, each closed once unreachable.
    closeWhenCollected.register(file, fd);
    return file;
  }

  write(position: number, values: Float32Array): boolean {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, position + done);
      return true;
    } catch {
      return false; // disk full or gone
    }
  }

  /** Fills `into` from `position`; false when the file ends first or the read fails. */
  read(position: number, into: Float32Array): boolean {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    try {
      let done = 0;
      while (done < bytes.length) {
        const got = readSync(this.fd, bytes, done, bytes.length - done, position + done);
        if (got === 0) return false;
        done += got;
      }
      return true;
    } catch {
      return false;
    }
  }
}

let openedFiles = 0;
const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
});
