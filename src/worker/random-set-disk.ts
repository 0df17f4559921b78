/**
 * A regenerated random set (too large for ROBUSTNESS_LENS_RANDOM_SET_MB) spilled to a scratch
 * file as its chunks are first drawn, and read back for every later image. Drawing costs ~30 ns
 * a value on the worker's thread (9 s an image for 2000 × 224·224·3, a quarter of the random
 * stage); reading it back from the page cache costs a memcpy. Bit for bit the same rows.
 *
 * The file is unlinked as soon as it is open (POSIX), so it goes with the process whatever ends
 * it, SIGKILL included. ROBUSTNESS_LENS_RANDOM_SET_DISK_MB bounds it (default 8192; 0: never).
 * A write that fails (disk full) leaves that chunk to be regenerated.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RandomSet } from '../engine/sampling';

export const randomSetDiskEnv = 'ROBUSTNESS_LENS_RANDOM_SET_DISK_MB';
export const defaultRandomSetDiskMegabytes = 8192;

export function randomSetDiskBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[randomSetDiskEnv];
  if (raw === undefined || raw.trim() === '') return defaultRandomSetDiskMegabytes * 1024 * 1024;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${randomSetDiskEnv} must be a non-negative number of megabytes, got "${raw}"`);
  return value * 1024 * 1024;
}

/** `set` itself when it is resident or larger than `budgetBytes`, else the same set spilled to a scratch file. */
export function spilledToDisk(set: RandomSet, budgetBytes: number, folder: string = tmpdir()): RandomSet {
  const bytes = set.count * set.dimension * 4;
  if (set.resident || bytes > budgetBytes) return set;
  const path = join(folder, `robustness-lens-random-set-${process.pid}-${Date.now()}.f32`);
  let fd: number;
  try {
    fd = openSync(path, 'w+');
  } catch {
    return set;
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
  const written = new Set<string>();
  const d = set.dimension;
  return {
    count: set.count,
    dimension: d,
    l2: set.l2,
    l1: set.l1,
    linf: set.linf,
    resident: false,
    rows(start: number, count: number): Float32Array {
      const key = `${start}:${count}`;
      const out = new Float32Array(count * d);
      const bytes = new Uint8Array(out.buffer);
      const position = start * d * 4;
      if (written.has(key)) {
        let read = 0;
        while (read < bytes.length) {
          const got = readSync(fd, bytes, read, bytes.length - read, position + read);
          if (got === 0) break;
          read += got;
        }
        if (read === bytes.length) return out;
        written.delete(key);
      }
      const rows = set.rows(start, count);
      try {
        let done = 0;
        const source = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
        while (done < source.length) done += writeSync(fd, source, done, source.length - done, position + done);
        written.add(key);
      } catch {
        // Disk full or gone: this chunk stays regenerated.
      }
      return rows;
    },
  };
}
