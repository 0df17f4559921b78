// The real worker process: fork dist/worker.js, speak the IPC protocol of
// src/protocol/messages.ts with a layers model saved in the test and PNG images written here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import type { EngineSettings, ImageTask } from '../../src/protocol/messages';
import { analyseImage } from '../../src/engine/measurement';
import { unitBallSamples } from '../../src/engine/sampling';
import { loadBackend } from '../../src/worker/backends';
import { readModelImage } from '../../src/worker/images/model-image';
import { loadModel } from '../../src/worker/model/load-model';
import { TfClassifier } from '../../src/worker/model/tf-classifier';
import { workerClassifier } from '../../src/worker/worker-classifier';
import { buildWorker, ForkedWorker, isType } from './harness';
import { saveModel, smallCnn, temporaryFolder } from './models';

const folder = temporaryFolder('process');
const settings: EngineSettings = { attack: 'fgm-line', scales: 32, maxEps: 8, alphas: [1, 2], samples: 60, seed: 7, clip: false };
const classNames = ['a', 'b', 'c'];
let modelPath: string;
const tasks: ImageTask[] = [];
const workers: ForkedWorker[] = [];

function startWorker(env: NodeJS.ProcessEnv = {}): ForkedWorker {
  const worker = new ForkedWorker(env);
  workers.push(worker);
  return worker;
}

/** An 8x8 gray PNG (or 10x10, which the worker resizes) with a bright square at `offset`. */
function writeImage(name: string, offset: number, size = 8): string {
  const data = new Uint8Array(size * size).fill(40);
  for (let y = offset; y < offset + 3; y++) for (let x = offset; x < offset + 3; x++) data[y * size + x] = 230;
  const path = join(folder, name);
  writeFileSync(path, encodePng({ width: size, height: size, channels: 1, depth: 8, data }));
  return path;
}

before(async () => {
  buildWorker();
  const runtime = await loadBackend('wasm');
  modelPath = await saveModel(smallCnn([8, 8, 1], 3, 'softmax'), join(folder, 'model'));
  const classifier = new TfClassifier(runtime.tf, await loadModel(runtime.tf, modelPath), 8);
  mkdirSync(join(folder, 'b'), { recursive: true });
  for (let i = 0; i < 4; i++) {
    const file = `b/img${i}.png`;
    const path = i === 3 ? writeImage(file, 1, 10) : writeImage(file, i);
    const predicted = (await classifier.predict((await readModelImage(path, classifier.model.geometry)).pixels, 1))[0];
    // The last image gets a wrong label: it is misclassified and not attacked.
    tasks.push({ index: i, file, path, label: i === 3 ? (predicted + 1) % 3 : predicted });
  }
  classifier.dispose();
  writeFileSync(join(folder, 'b', 'notes.png'), 'not an image');
  tasks.push({ index: 4, file: 'b/notes.png', path: join(folder, 'b', 'notes.png'), label: 1 });
});

after(() => {
  workers.forEach((worker) => worker.kill());
  rmSync(folder, { recursive: true, force: true });
});

test('init → ready, analyse → a result per image (as the engine computes it in process), an error for the bad file, idle', async () => {
  const worker = startWorker();
  worker.send({ type: 'init', modelPath, backend: 'auto', forward: 'auto', settings, classNames });
  const ready = await worker.next(isType('ready'));
  assert.deepEqual(ready.model, {
    backend: 'wasm',
    forward: 'onnxruntime',
    gradient: 'onnxruntime',
    executionProvider: 'cpu',
    inputShape: [8, 8, 1],
    dimension: 64,
    classCount: 3,
    outputActivation: 'softmax',
    format: 'layers-model',
  });

  worker.send({ type: 'analyse', tasks });
  await worker.next(isType('idle'));
  const results = worker.of('result');
  assert.deepEqual(results.map((r) => r.record.index), [0, 1, 2, 3]);
  const errors = worker.of('error');
  assert.equal(errors.length, 1);
  assert.deepEqual({ fatal: errors[0].fatal, index: errors[0].index }, { fatal: false, index: 4 });
  assert.match(errors[0].message, /^b\/notes\.png: not an image this tool reads \(PNG, JPEG, WebP, GIF, TIFF, BMP, PPM\/PGM\)$/);
  assert.ok(worker.of('progress').some((p) => p.stage === 'decode'));
  assert.equal(worker.stdout, '', 'the worker writes nothing to stdout');

  // The same images through the engine in this process give the same records.
  const built = await workerClassifier(modelPath, 'auto', 'auto', settings.samples);
  const { classifier } = built;
  const loaded = built.model;
  const set = unitBallSamples(settings.samples, 64, settings.seed);
  let attacked = 0;
  for (const { record, timings } of results) {
    const task = tasks[record.index!];
    assert.equal(record.file, task.file);
    const image = await readModelImage(task.path, loaded.geometry);
    const expected = await analyseImage(classifier, image.pixels, task.label, { ...settings, batchSize: built.batch }, set);
    assert.equal(record.predicted, expected.predicted);
    assert.equal(record.correct, expected.correct);
    assert.deepEqual(record.adversarial, expected.adversarial);
    assert.deepEqual(record.random, expected.random);
    assert.equal(record.probabilities!.length, 3);
    assert.equal(record.resized, record.index === 3 ? 'bilinear from 10x10 to 8x8' : undefined);
    assert.ok(timings.decode! >= 0);
    if (record.index === 3) assert.deepEqual([record.correct, record.adversarial, record.random], [false, null, []]);
    if (record.adversarial) {
      attacked++;
      assert.ok(timings.gradient! >= 0 && timings['line-search']! >= 0 && timings.random! >= 0);
      assert.ok(worker.of('progress').some((p) => p.index === record.index && p.stage === 'random'));
    }
  }
  assert.ok(attacked > 0, 'some image was attacked');
  classifier.dispose();

  // The detail view of an attacked image: four pictures, the adversarial one flips, the random one does not.
  const attackedRecord = results.find((r) => r.record.adversarial)!.record;
  worker.send({ type: 'detail', requestId: 41, task: tasks[attackedRecord.index!], record: attackedRecord });
  const { detail } = await worker.next((m): m is Extract<typeof m, { type: 'detail' }> => m.type === 'detail' && m.requestId === 41);
  const pictureBytes = (p: { base64: string } | null) => Buffer.from(p!.base64, 'base64').length;
  for (const picture of [detail.original, detail.adversarial, detail.perturbation, detail.randomPerturbed]) {
    assert.equal(pictureBytes(picture), 8 * 8 * 3);
  }
  assert.ok(detail.amplification! > 0);
  const argmax = (values: number[]) => values.indexOf(Math.max(...values));
  assert.equal(argmax(detail.outputs.original), attackedRecord.predicted);
  assert.notEqual(argmax(detail.outputs.adversarial!), attackedRecord.label, 'the adversarial image flips');
  assert.equal(argmax(detail.outputs.randomPerturbed!), attackedRecord.label, 'the random one of the same norm does not');
  assert.equal(detail.loss, attackedRecord.adversarial!.loss);

  worker.send({ type: 'detail', requestId: 42, task: { ...tasks[0], path: join(folder, 'gone.png') }, record: results[0].record });
  const failure = await worker.next((m): m is Extract<typeof m, { type: 'error' }> => m.type === 'error' && m.requestId === 42);
  assert.equal(failure.fatal, false);

  worker.send({ type: 'cancel' });
  assert.equal(await worker.exited, 0);
});

test('cancel stops a long analyse between forward passes and the worker exits 0', async () => {
  const worker = startWorker();
  worker.send({ type: 'init', modelPath, backend: 'wasm', forward: 'auto', settings: { ...settings, samples: 400 }, classNames });
  await worker.next(isType('ready'));
  const many = Array.from({ length: 200 }, (_, i) => ({ ...tasks[i % 3], index: i }));
  worker.send({ type: 'analyse', tasks: many });
  await worker.next(isType('result'));
  worker.send({ type: 'cancel' });
  assert.equal(await worker.exited, 0);
  assert.ok(worker.of('result').length < many.length, 'it stopped before the end');
  assert.equal(worker.of('idle').length, 0);
});

test('a model that cannot be loaded is a fatal one-line error and exit status 1', async () => {
  const worker = startWorker();
  worker.send({ type: 'init', modelPath: join(folder, 'missing', 'model.json'), backend: 'wasm', forward: 'auto', settings, classNames });
  const error = await worker.next(isType('error'));
  assert.equal(error.fatal, true);
  assert.match(error.message, /^model file not found: .*missing\/model\.json$/);
  assert.equal(await worker.exited, 1);
});

test('a dataset whose class count differs from the model outputs is refused at init', async () => {
  const worker = startWorker();
  worker.send({ type: 'init', modelPath, backend: 'wasm', forward: 'auto', settings, classNames: ['only', 'two'] });
  const error = await worker.next(isType('error'));
  assert.equal(error.fatal, true);
  assert.match(error.message, /the model has 3 classes \(3 outputs\) but the dataset has 2: only, two/);
  assert.equal(await worker.exited, 1);
});

test('a bad batch budget in the environment is a fatal error naming the variable', async () => {
  const worker = startWorker({ ROBUSTNESS_LENS_BATCH_MB: '-5' });
  worker.send({ type: 'init', modelPath, backend: 'wasm', forward: 'auto', settings, classNames });
  const error = await worker.next(isType('error'));
  assert.match(error.message, /ROBUSTNESS_LENS_BATCH_MB must be a positive number of megabytes, got "-5"/);
  assert.equal(await worker.exited, 1);
});
