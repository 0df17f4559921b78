/** Shared by the run host and CLI tests: temporary folders, real PNG files, and a fake worker process. */
import { encode } from 'fast-png';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function temporaryFolder(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `rl-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A real grayscale PNG whose pixels come from `pixel(x, y)` in [0, 255]. */
export function writeGrayPng(path: string, size: number, pixel: (x: number, y: number) => number): void {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = Math.max(0, Math.min(255, Math.round(pixel(x, y))));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encode({ width: size, height: size, data, channels: 1, depth: 8 }));
}

/**
 * `<root>/<class>/<nn>.png` for each class with the given number of images; class k's images are
 * bright (k = 1) or dark (k = 0) with a little per-image variation.
 */
export function writeDataset(root: string, counts: Record<string, number>, size = 8): string[] {
  const files: string[] = [];
  Object.entries(counts).forEach(([name, count], classIndex) => {
    for (let i = 0; i < count; i++) {
      const file = `${name}/${String(i).padStart(2, '0')}.png`;
      const base = classIndex === 0 ? 60 : 190;
      writeGrayPng(join(root, file), size, (x, y) => base + ((x * 7 + y * 3 + i * 11) % 40) - 20);
      files.push(file);
    }
  });
  return files;
}

export interface FakeWorkerBehaviour {
  classCount?: number;
  outputActivation?: string;
  /** Exit with code 3 when asked to analyse this file. */
  crashOn?: string;
  /** Kill itself with SIGKILL on this file, the first time only (a marker file beside the worker remembers). */
  killOnceOn?: string;
  /** Close its IPC channel (staying alive) on this file, the first time only. */
  disconnectOnceOn?: string;
  /** Kill itself with SIGKILL on its first universality request (a marker file remembers). */
  killOnceOnUniversality?: boolean;
  /** Answer this file with non-fatal `failed` errors (non-finite outputs). */
  nonFiniteOn?: string[];
  /** Report a non-fatal error for this file. */
  failOn?: string;
  /** Answer init with this fatal error. */
  fatalOnInit?: string;
  /** Milliseconds spent per image (lets cancel arrive mid-run). */
  delayMs?: number;
  /** Ignore `cancel` (the pool must kill it). */
  ignoreCancel?: boolean;
  /** Set `resized` on every record. */
  resized?: string;
  /** Answer a detail request for this file with a non-fatal error. */
  detailFailsOn?: string;
}

/**
 * A worker process that speaks src/protocol/messages.ts with made-up but deterministic results
 * (a function of the file name only, like the real worker's results are of the image and seed).
 */
export function writeFakeWorker(dir: string, behaviour: FakeWorkerBehaviour = {}): string {
  const path = join(dir, 'fake-worker.js');
  writeFileSync(path, `'use strict';
const behaviour = ${JSON.stringify(behaviour)};
const fs = require('node:fs');
const marker = (name) => require('node:path').join(${JSON.stringify(dir)}, 'done-' + name.split('/').join('_'));
const firstTime = (name) => { if (fs.existsSync(marker(name))) return false; fs.writeFileSync(marker(name), ''); return true; };
const classCount = behaviour.classCount ?? 2;
let settings = null;
let queue = Promise.resolve();
const send = (message) => process.send(message);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function hash(text) {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}
function recordOf(task) {
  const h = hash(task.file);
  const predicted = h % 5 === 0 ? (task.label + 1) % classCount : task.label;
  const correct = predicted === task.label;
  const susceptible = correct && h % 4 !== 0;
  const eps = susceptible ? ((h % 97) + 1) / 50 : null;
  const record = {
    file: task.file, label: task.label, predicted, correct,
    adversarial: susceptible ? { eps, l2: eps, l1: eps * 3, linf: eps / 4, loss: 'logit' } : null,
    random: susceptible ? settings.alphas.map((alpha) => {
      const flips = (h >>> 3) % Math.ceil(alpha * 2) === 0 ? 0 : (h % settings.samples) % (alpha * 5);
      return { alpha, flips, samples: settings.samples, minFlip: flips > 0 ? { l2: alpha * eps, l1: alpha * eps * 3, linf: alpha * eps / 4 } : null };
    }) : [],
    probabilities: [0.25, 0.75],
  };
  if (correct && !susceptible) record.reason = 'no flip within maxEps';
  if (behaviour.resized) record.resized = behaviour.resized;
  return record;
}
async function analyse(tasks) {
  for (const task of tasks) {
    console.log('analysing ' + task.file);
    send({ type: 'progress', index: task.index, stage: 'gradient' });
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (task.file === behaviour.crashOn) { console.error('boom on ' + task.file); process.exit(3); }
    if (task.file === behaviour.killOnceOn && firstTime(task.file)) process.kill(process.pid, 'SIGKILL');
    if (task.file === behaviour.disconnectOnceOn && firstTime(task.file)) { process.disconnect(); setInterval(() => undefined, 1000); return; }
    if ((behaviour.nonFiniteOn ?? []).includes(task.file)) { send({ type: 'error', message: task.file + ": the model's outputs are not finite (NaN, NaN)", fatal: false, index: task.index, failed: true }); continue; }
    if (task.file === behaviour.failOn) { send({ type: 'error', message: 'cannot decode ' + task.file + '\\nstack', fatal: false, index: task.index }); continue; }
    send({ type: 'result', record: recordOf(task), timings: { decode: 1, gradient: 2, 'line-search': 3, random: 4 } });
  }
  send({ type: 'idle' });
}
const picture = { width: 1, height: 1, channels: 3, base64: 'AAAA' };
process.on('message', (message) => {
  if (message.type === 'cancel') {
    if (!behaviour.ignoreCancel) process.exit(0);
    return;
  }
  queue = queue.then(async () => {
    if (message.type === 'init') {
      if (behaviour.fatalOnInit) { send({ type: 'error', message: behaviour.fatalOnInit, fatal: true }); process.exit(1); }
      settings = message.settings;
      send({ type: 'ready', model: { backend: 'cpu', forward: 'tfjs', inputShape: [8, 8, 1], dimension: 64, classCount, outputActivation: behaviour.outputActivation ?? 'sigmoid', format: 'fake' } });
    } else if (message.type === 'analyse') {
      await analyse(message.tasks);
    } else if (message.type === 'universality') {
      if (behaviour.killOnceOnUniversality && firstTime('universality')) process.kill(process.pid, 'SIGKILL');
      const targets = message.work.targets.length;
      send({ type: 'universality', requestId: message.requestId, part: { sources: message.work.sources.map((source) => ({ index: source.task.index, targets, flips: 0, baselineFlips: 0 })) } });
    } else if (message.type === 'detail' && message.task.file === behaviour.detailFailsOn) {
      send({ type: 'error', message: 'cannot draw ' + message.task.file, fatal: false, index: message.task.index, requestId: message.requestId });
    } else if (message.type === 'detail') {
      send({ type: 'detail', requestId: message.requestId, detail: {
        file: message.task.file, original: picture, adversarial: picture, perturbation: picture, amplification: 10, randomPerturbed: picture,
        outputs: { original: [0.25, 0.75], adversarial: [0.6, 0.4], randomPerturbed: [0.3, 0.7] }, loss: 'logit' } });
    }
  });
});
process.on('disconnect', () => { if (!behaviour.disconnectOnceOn) process.exit(0); });
`);
  return path;
}
