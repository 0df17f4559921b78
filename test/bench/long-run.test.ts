// The bench's long run (--long-run): the real CLI and its worker processes on generated images,
// sampled from /proc. Needs dist/cli.js (npm run build).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatLongRun, runLongRun } from '../../src/bench/long-run';
import { BenchUsageError, parseBenchArgs } from '../../src/bench/options';
import { cpuSecondsOf, cpuTicksFromStat, residentBytesOf } from '../../src/bench/process-stats';

test('utime + stime are read after the command name, which may hold spaces and parentheses', () => {
  // Fields 3 to 15 of a real stat line: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime.
  const stat = '4242 (node (worker) 1) S 4200 4242 4200 0 -1 4194560 1000 0 3 0 731 96 0 0 20 0 11 0 5000 1000000 30000';
  assert.equal(cpuTicksFromStat(stat), 731 + 96);
  assert.throws(() => cpuTicksFromStat('garbage'), /not a \/proc\/<pid>\/stat line/);
});

test('this process has run some CPU time and holds some memory', () => {
  const before = cpuSecondsOf(process.pid);
  assert.ok(before !== null && before > 0);
  let x = 0;
  for (let i = 0; i < 3e7; i++) x += Math.sqrt(i);
  assert.ok(x > 0);
  assert.ok((cpuSecondsOf(process.pid) as number) >= before);
  assert.ok((residentBytesOf(process.pid) as number) > 10 * 1024 ** 2);
  assert.equal(cpuSecondsOf(2 ** 22 + 7), null, 'a pid that does not exist reads as null');
});

test('--long-run, --long-run-workers, --long-run-window and --models none', () => {
  const parsed = (...argv: string[]) => {
    const options = parseBenchArgs(argv);
    return options === 'help' ? (undefined as never) : options;
  };
  assert.equal(parsed().longRun, null);
  assert.deepEqual(parsed('--long-run', '10000').longRun, { images: 10000, workers: 2, window: 1000 });
  assert.deepEqual(parsed('--long-run-window', '50', '--long-run', '200', '--long-run-workers', '3').longRun, { images: 200, workers: 3, window: 50 });
  assert.deepEqual(parsed('--models', 'none').fixtures, []);
  assert.throws(() => parsed('--long-run', '0'), (e: unknown) => e instanceof BenchUsageError && /--long-run needs a positive integer/.test((e as Error).message));
  assert.throws(() => parsed('--long-run-workers', '2'), (e: unknown) => e instanceof BenchUsageError && /need --long-run/.test((e as Error).message));
});

test('the long run samples throughput, worker CPU time and memory of the real CLI and its two workers', async () => {
  await tf.setBackend('cpu');
  const work = mkdtempSync(join(tmpdir(), 'rl-long-run-test-'));
  try {
    const section = await runLongRun({ images: 40, workers: 2, window: 10 }, work);
    assert.equal(section.exitCode, 0, section.error ?? '');
    assert.equal(section.error, null);
    assert.ok(section.windows.length >= 1);
    const lastWindow = section.windows[section.windows.length - 1];
    assert.equal(lastWindow.done, 40, 'the last sample is at the last image');
    // A last window shorter than a poll may find the workers already gone; every other has both.
    assert.ok(section.windows.some((w) => w.workerResidentMB.length === 2), 'both workers are sampled');
    for (const w of section.windows) {
      assert.ok(w.workerResidentMB.length <= 2);
      assert.ok(w.workerResidentMB.every((mb) => mb > 10), `worker RSS ${w.workerResidentMB.join(', ')} MB`);
      assert.ok((w.cliResidentMB ?? 0) > 10);
      assert.ok(w.workerCpuSeconds >= 0);
      assert.ok(w.imagesPerSecond > 0);
    }
    const workerCpu = section.windows.reduce((sum, w) => sum + w.workerCpuSeconds, 0);
    assert.ok(workerCpu > 0.1, `the workers ran ${workerCpu} CPU-s`);
    assert.ok(section.windows.slice(0, -1).every((w) => (w.imagesPerWorkerCpuSecond ?? 0) > 0));
    const text = formatLongRun(section);
    assert.match(text, /long run: 40 images, 2 worker\(s\), check --samples 100 --scales 64/);
    assert.match(text, /^\| 40 \| \d+ \| [\d.]+ \| [\d.]+ \| ([\d.]+|–) \| [\d.]+ \| \d+ \| (\d+, \d+|\d+|–) \|$/m);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
