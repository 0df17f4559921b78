import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { startCheck } from '../../src/run/check';
import { mergeShards } from '../../src/run/merge';
import { attackNames } from '../../src/engine/attacks/names';
import { imageFormatNames } from '../../src/worker/images/image-format';
import type { CheckOptions, RunEvent } from '../../src/run/types';
import { temporaryFolder, writeDataset, writeFakeWorker, type FakeWorkerBehaviour } from './helpers';

const folder = temporaryFolder('check');
after(() => folder.remove());

const data = join(folder.path, 'data');
const files = writeDataset(data, { cat: 5, dog: 6 });
writeFileSync(join(data, 'cat', 'notes.txt'), 'not an image');
const model = join(folder.path, 'model', 'model.json');
mkdirSync(join(folder.path, 'model'));
writeFileSync(model, JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] }));
writeFileSync(join(folder.path, 'model', 'weights.bin'), Buffer.alloc(16));
const assets = join(folder.path, 'assets');
mkdirSync(assets);
writeFileSync(join(assets, 'webview.js'), 'window.reportPanel = true;');
writeFileSync(join(assets, 'webview.css'), 'body { color: black; }');

let outCount = 0;
const newOut = () => join(folder.path, `out${outCount++}`);
let workerCount = 0;
function fakeWorker(behaviour: FakeWorkerBehaviour = {}): string {
  const dir = join(folder.path, `worker${workerCount++}`);
  mkdirSync(dir);
  return writeFakeWorker(dir, behaviour);
}
const plainWorker = fakeWorker();

function options(overrides: Partial<CheckOptions> = {}): CheckOptions {
  return {
    model, data, out: newOut(), alphas: [1, 2, 5], samples: 50, scales: 16, maxEps: 4, seed: 0, clip: false, backend: 'auto',
    workers: 2, workerScript: plainWorker, reportAssetsDir: assets, ...overrides,
  };
}

async function check(opts: CheckOptions, whileRunning?: (event: RunEvent, cancel: () => void) => void) {
  const events: RunEvent[] = [];
  const handle = startCheck(opts, (event) => {
    events.push(event);
    whileRunning?.(event, () => handle.cancel());
  });
  const outcome = await handle.done;
  return { outcome, events, report: JSON.parse(readFileSync(join(opts.out, 'report.json'), 'utf8')) as Report };
}

const jsonLines = (out: string) =>
  readFileSync(join(out, 'images.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ImageRecord);

describe('startCheck', () => {
  it('writes images.jsonl, run.json, report.json and report.html for every image', async () => {
    const opts = options({ details: 3 });
    const { outcome, events, report } = await check(opts);
    assert.equal(outcome.status, 'complete');
    assert.deepEqual(report, outcome.report);
    assert.deepEqual(report.images.map((image) => image.file), files);
    assert.deepEqual(report.images.map((image) => image.index), files.map((_, i) => i));
    assert.equal(report.status, 'complete');
    // Fields added later by other features are not this test's concern: the ones it knows must match.
    const expectedConfig = {
        model, data, attack: 'fgm-line', scales: 16, maxEps: 4, alphas: [1, 2, 5], samples: 50, seed: 0, clip: false,
        backend: 'cpu', forward: 'tfjs', inputShape: [8, 8, 1], dimension: 64, classes: ['cat', 'dog'], labels: null, limit: null, sample: null,
        resized: [], skipped: ['cat/notes.txt'], skippedReasons: [{ file: 'cat/notes.txt', reason: `not an image this tool reads (${imageFormatNames})` }], failed: [], shard: null,
    };
    const knownFields = Object.fromEntries(Object.keys(expectedConfig).map((key) => [key, report.config[key as keyof typeof report.config]]));
    assert.deepEqual(knownFields, expectedConfig);
    assert.equal(report.summary.images, 11);
    assert.equal(report.timings?.imagesAnalysed, 11);
    assert.equal(report.timings?.workers, 2);
    assert.equal(jsonLines(opts.out).length, 11);

    const runFile = JSON.parse(readFileSync(join(opts.out, 'run.json'), 'utf8'));
    assert.match(runFile.settings.modelHash, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(runFile.selection, { limit: null, sample: null, shard: null });

    const susceptible = report.images.filter((image) => image.adversarial !== null).slice(0, 3).map((image) => image.file);
    const details = JSON.parse(readFileSync(join(opts.out, 'details.json'), 'utf8'));
    assert.deepEqual(details.map((d: { file: string }) => d.file), susceptible);
    const html = readFileSync(join(opts.out, 'report.html'), 'utf8');
    assert.ok(html.includes('window.reportPanel = true;') && html.includes('body { color: black; }'));
    assert.ok(html.includes(susceptible[0]));

    const started = events.find((event) => event.type === 'started');
    assert.deepEqual(started && { ...started, model: undefined }, { type: 'started', outDir: opts.out, total: 11, resumed: 0, model: undefined, workers: 2, firstStartedAt: report.firstStartedAt, earlierSeconds: 0 });
    const imageEvents = events.filter((event) => event.type === 'image');
    assert.equal(imageEvents.length, 11);
    const last = imageEvents[imageEvents.length - 1];
    assert.deepEqual(last.type === 'image' && last.summary, report.summary);
    const progress = events.filter((event) => event.type === 'progress');
    assert.deepEqual(progress[progress.length - 1], { type: 'progress', done: 11, total: 11, stage: 'gradient', etaSeconds: 0 });
    // The ETA comes from this session's finished images: none before the first, a finite one after.
    const firstImage = events.findIndex((event) => event.type === 'image');
    const etas = (from: number, to: number) => events.slice(from, to).flatMap((event) => (event.type === 'progress' && event.done < event.total ? [event.etaSeconds] : []));
    assert.ok(etas(0, firstImage).length > 0 && etas(0, firstImage).every((eta) => eta === null), String(etas(0, firstImage)));
    assert.ok(etas(firstImage, events.length).length > 0 && etas(firstImage, events.length).every((eta) => eta !== null && Number.isFinite(eta) && eta >= 0));
  });

  it('gives the same images with one worker as with two', async () => {
    const one = await check(options({ workers: 1 }));
    const two = await check(options({ workers: 2 }));
    assert.deepEqual(one.report.images, two.report.images);
    assert.deepEqual(one.report.summary, two.report.summary);
  });

  it('resumes: a rerun analyses only the images the first run did not finish', async () => {
    const out = newOut();
    const first = await check(options({ out, limit: 4, preset: 'quick' }));
    assert.deepEqual(first.report.images.map((image) => image.file), files.slice(0, 4));
    assert.deepEqual(first.report.config.limit, 4);
    const second = await check(options({ out, workers: 1 }));
    assert.equal(second.report.timings?.imagesAnalysed, 7);
    assert.equal(second.report.timings?.imagesResumed, 4);
    assert.equal(jsonLines(out).length, 11);
    assert.deepEqual(second.report.images, (await check(options())).report.images);
    const started = second.events.find((event) => event.type === 'started');
    assert.equal(started?.type === 'started' && started.resumed, 4);
    // The extension's preset stays in run.json when a later session (the CLI's) gives none.
    assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).preset, 'quick');
    const third = await check(options({ out, limit: 2 }));
    assert.equal(third.report.timings?.imagesAnalysed, 0);
    assert.deepEqual(third.report.images.map((image) => image.file), files.slice(0, 2));
  });

  it('refuses to resume a folder with other settings, and starts over with fresh', async () => {
    const out = newOut();
    await check(options({ out, limit: 2 }));
    await assert.rejects(check(options({ out, seed: 7 })), { message: `${out} holds a run with other settings (seed 0 → 7); use another --out or --fresh` });
    const fresh = await check(options({ out, seed: 7, fresh: true, limit: 3 }));
    assert.equal(fresh.report.timings?.imagesAnalysed, 3);
    assert.equal(jsonLines(out).length, 3);
  });

  it('checks the classes against the model before analysing any image', async () => {
    const out = newOut();
    const threeOutputs = fakeWorker({ classCount: 3, outputActivation: 'softmax' });
    await assert.rejects(check(options({ out, workerScript: threeOutputs })), {
      message: "the model has 3 outputs but the data has 2 classes (cat, dog); give a folder per model class, or --labels with the model's classes in output order",
    });
    assert.deepEqual(jsonLines(out), []);
    assert.equal(existsSync(join(out, 'report.json')), false);
  });

  it('finishes past a killed worker: the image is retried on a fresh worker, and the report equals an undisturbed run', async () => {
    const undisturbed = await check(options({ workers: 2 }));
    const { report, outcome } = await check(options({ workerScript: fakeWorker({ killOnceOn: files[6] }), workers: 2 }));
    assert.equal(outcome.status, 'complete');
    const comparable = (r: Report) => ({ ...r, config: { ...r.config, data: null }, timings: undefined, startedAt: undefined, firstStartedAt: undefined, finishedAt: undefined });
    assert.deepEqual(comparable(report), comparable(undisturbed.report));
    assert.deepEqual(report.config.failed, []);
  });

  it('records an image that kills two workers as failed, lists it beside the skipped ones, and counts it nowhere', async () => {
    const out = newOut();
    const { report, outcome, events } = await check(options({ out, workerScript: fakeWorker({ crashOn: files[6] }), workers: 1 }));
    assert.equal(outcome.status, 'complete');
    assert.deepEqual(report.config.failed, [
      { file: files[6], reason: `the worker analysing it exited with code 3 (2 times, each on a fresh worker): boom on ${files[6]}` },
    ]);
    assert.deepEqual(report.images.map((image) => image.file), files.filter((file) => file !== files[6]));
    assert.equal(report.summary.images, files.length - 1);
    assert.deepEqual(jsonLines(out).map((record) => record.file), report.images.map((image) => image.file));
    assert.ok(events.some((event) => event.type === 'warning' && event.message.startsWith(`failed ${files[6]}: the worker analysing it exited`)));
  });

  it('records images with non-finite outputs as failed, never as results', async () => {
    const { report } = await check(options({ workerScript: fakeWorker({ nonFiniteOn: [files[7], files[9]] }), workers: 1 }));
    assert.deepEqual(report.config.failed, [
      { file: files[7], reason: "the model's outputs are not finite (NaN, NaN)" },
      { file: files[9], reason: "the model's outputs are not finite (NaN, NaN)" },
    ]);
    assert.equal(report.summary.images, files.length - 2);
    assert.ok(!report.images.some((image) => image.file === files[7] || image.file === files[9]));
  });

  it('refuses a model whose outputs are non-finite on the first images, naming the model', async () => {
    const out = newOut();
    await assert.rejects(check(options({ out, workerScript: fakeWorker({ nonFiniteOn: files }), workers: 2 })), {
      message: `the model ${model} gives non-finite outputs on the first 3 images ((NaN, NaN)): check its weights and the input scaling`,
    });
    assert.equal(existsSync(join(out, 'report.json')), false);
    assert.deepEqual(jsonLines(out), []);
  });

  it('lists an image the worker cannot decode as skipped, with a warning', async () => {
    const { report, events } = await check(options({ workerScript: fakeWorker({ failOn: files[1], resized: 'bilinear from 16x16 to 8x8' }) }));
    assert.deepEqual(report.config.skipped, [files[1], 'cat/notes.txt'].sort());
    assert.deepEqual(report.config.resized, ['bilinear from 16x16 to 8x8']);
    assert.equal(report.images.length, 10);
    assert.ok(events.some((event) => event.type === 'warning' && event.message === `skipped ${files[1]}: cannot decode ${files[1]}`));
  });

  it('on cancel keeps the finished images and writes a cancelled report', async () => {
    const out = newOut();
    const slow = fakeWorker({ delayMs: 100 });
    let cancelled = false;
    const { outcome, report } = await check(options({ out, workerScript: slow, workers: 1 }), (event, cancel) => {
      if (event.type === 'image' && !cancelled) {
        cancelled = true;
        cancel();
      }
    });
    assert.equal(outcome.status, 'cancelled');
    assert.equal(report.status, 'cancelled');
    assert.ok(report.images.length >= 1 && report.images.length < 11);
    assert.deepEqual(jsonLines(out).map((r) => r.file), report.images.map((image) => image.file));
    assert.equal(existsSync(join(out, 'report.html')), true);
  });

  it('rejects bad options with one line, before touching the output folder', async () => {
    const out = newOut();
    await assert.rejects(check(options({ out, samples: 0 })), { message: '--samples must be a positive integer, got 0' });
    await assert.rejects(check(options({ out, attack: 'pgd' as never })), { message: `--attack must be one of ${attackNames.join(', ')}, got "pgd"` });
    await assert.rejects(check(options({ out, model: join(folder.path, 'none.json') })), { message: `model not found: ${join(folder.path, 'none.json')}` });
    await assert.rejects(check(options({ out, data: join(folder.path, 'nodata') })), { message: `data folder not found: ${join(folder.path, 'nodata')}` });
    assert.equal(existsSync(out), false);
  });

  it('warns instead of writing report.html when the report bundle is missing', async () => {
    const { events, outcome } = await check(options({ reportAssetsDir: join(folder.path, 'no-assets'), limit: 1 }));
    assert.ok(events.some((event) => event.type === 'warning' && /^report\.html not written: .*webview\.js not found/.test(event.message)));
    assert.equal(existsSync(join(outcome.outDir, 'report.json')), true);
  });
});

describe('mergeShards', () => {
  it('merges shard outputs into the report of an unsharded run', async () => {
    const whole = await check(options({ limit: 9, details: 4 }));
    const shardOuts = [0, 1, 2].map(() => newOut());
    for (const [index, out] of shardOuts.entries()) await check(options({ out, limit: 9, details: 4, shard: { index, count: 3 }, workers: 1 }));
    const out = newOut();
    const { report, warnings } = await mergeShards({ out, shards: [shardOuts[2], shardOuts[0], shardOuts[1]], details: 4, reportAssetsDir: assets });
    assert.deepEqual(warnings, []);
    // Universality is measured over the whole run only, never per shard (src/run/universality.ts).
    const comparable = (r: Report) => ({ ...r, config: { ...r.config, shard: null }, timings: undefined, startedAt: undefined, firstStartedAt: undefined, finishedAt: undefined, universality: undefined });
    assert.deepEqual(comparable(report), comparable(whole.report));
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')), report);
    assert.deepEqual(readFileSync(join(out, 'details.json'), 'utf8'), readFileSync(join(whole.outcome.outDir, 'details.json'), 'utf8'));
    const byIndex = (records: ImageRecord[]) => records.sort((a, b) => (a.index as number) - (b.index as number));
    assert.deepEqual(jsonLines(out), byIndex(jsonLines(whole.outcome.outDir)), 'merged images.jsonl is in index order');
    assert.equal(report.timings?.shards, 3);

    await assert.rejects(mergeShards({ out: newOut(), shards: [shardOuts[0], shardOuts[2]] }), { message: 'shard 1/3 missing' });
    await assert.rejects(mergeShards({ out: newOut(), shards: [shardOuts[0], shardOuts[0], shardOuts[1], shardOuts[2]] }), {
      message: `${shardOuts[0]} and ${shardOuts[0]} are both shard 0/3`,
    });
    await assert.rejects(mergeShards({ out: newOut(), shards: [whole.outcome.outDir] }), { message: `${whole.outcome.outDir} is not a shard (its run had no --shard)` });
  });
});
