import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ModelInfo } from '../../src/protocol/messages';
import type { Report } from '../../src/protocol/report';
import { deleteRun, listRuns, modelName, newRunId, readReport, readReportFile, readRun, resolveRunsDirectory } from '../../src/extension/run-storage';
import { runTitle } from '../../src/extension/run-title';
import { formatReportJson } from '../../src/run/report-files';
import { writeRunFile } from '../../src/run/run-file';
import { tempFolder } from './fixtures';

const tmp = tempFolder('storage');
after(() => tmp.remove());

const recorded: Report = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'reports', 'report.json'), 'utf8'));

/** A run folder as the CLI leaves it: run.json always, images.jsonl per image, report.json at the end. */
function writeRun(dir: string, options: { report?: Report; images?: number; limit?: number | null; brokenLine?: boolean; modelInfo?: ModelInfo }) {
  mkdirSync(dir, { recursive: true });
  writeRunFile(join(dir, 'run.json'), {
    tool: { name: 'robustness-lens', version: '0.1.0' },
    settings: {
      model: '/models/sneaker-bag/model.json',
      modelHash: 'sha256:00',
      data: '/data/fashion',
      labels: null,
      classes: ['7_Sneaker', '8_Bag'],
      attack: 'fgm-line',
      scales: 256,
      maxEps: 10,
      alphas: [1, 2, 5, 10],
      samples: 2000,
      seed: 3,
      clip: false,
    },
    selection: { limit: options.limit ?? null, shard: null },
    modelInfo: options.modelInfo ?? null,
  });
  const lines = recorded.images.slice(0, options.images ?? 0).map((r) => JSON.stringify(r));
  if (options.brokenLine) lines.push('{"file": "cut sho');
  if (lines.length) writeFileSync(join(dir, 'images.jsonl'), `${lines.join('\n')}\n`);
  if (options.report) writeFileSync(join(dir, 'report.json'), formatReportJson(options.report));
}

describe('run folders', () => {
  const runs = join(tmp.path, '.robustness');

  it('lists complete, cancelled and unfinished runs, newest first, with their settings and headline numbers', async () => {
    writeRun(join(runs, 'a-complete'), { report: { ...recorded, status: 'complete', startedAt: '2025-01-02T10:00:00.000Z' }, images: 60 });
    writeRun(join(runs, 'b-cancelled'), { report: { ...recorded, images: recorded.images.slice(0, 5), status: 'cancelled', startedAt: '2025-01-03T10:00:00.000Z' }, images: 5 });
    writeRun(join(runs, 'c-killed'), { images: 7, limit: 20, brokenLine: true });
    utimesSync(join(runs, 'c-killed'), new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z'));
    mkdirSync(join(runs, 'not-a-run'));
    writeFileSync(join(runs, 'stray.txt'), 'x');

    const listed = await listRuns(runs);
    assert.deepEqual(listed.map((r) => [r.id, r.status, r.done]), [
      ['b-cancelled', 'cancelled', 5],
      ['a-complete', 'complete', 60],
      ['c-killed', 'incomplete', 7],
    ]);
    const complete = listed[1];
    const { summary } = recorded;
    assert.deepEqual(complete.headline, {
      images: 60,
      correct: summary.correct,
      accuracy: 0.9667,
      adversarialSusceptible: summary.adversarial.susceptible,
      adversarialRate: 0.6724,
      random: [
        { alpha: 1, rate: 0, susceptible: 0 },
        { alpha: 2, rate: 0, susceptible: 0 },
        { alpha: 5, rate: 0.1282, susceptible: summary.random[2].susceptible },
        { alpha: 10, rate: 0.4615, susceptible: summary.random[3].susceptible },
      ],
    });
    assert.equal(complete.hasHtml, false);
    assert.deepEqual(listed[2].settings, { model: '/models/sneaker-bag/model.json', data: '/data/fashion', attack: 'fgm-line', alphas: [1, 2, 5, 10], samples: 2000, scales: 256, maxEps: 10, seed: 3, clip: false, limit: 20 });
    assert.equal(listed[2].headline, null);
    assert.equal(listed[2].startedAt.toISOString(), '2025-01-01T00:00:00.000Z');
  });

  it('knows what a run computed on: report.json, else the model info in run.json', async () => {
    const modelInfo: ModelInfo = { backend: 'cpu', forward: 'onnxruntime', inputShape: [28, 28, 3], dimension: 2352, classCount: 2, outputActivation: 'softmax', format: 'layers-model' };
    writeRun(join(runs, 'e-onnx'), { report: { ...recorded, config: { ...recorded.config, backend: 'wasm', forward: 'onnxruntime' } }, modelInfo });
    writeRun(join(runs, 'f-unfinished'), { images: 2, modelInfo });
    assert.deepEqual((await readRun(join(runs, 'e-onnx')))?.engine, { backend: 'wasm', forward: 'onnxruntime' });
    assert.deepEqual((await readRun(join(runs, 'f-unfinished')))?.engine, { backend: 'cpu', forward: 'onnxruntime' });
    // Reports from before config.forward; runs stopped before a worker loaded the model.
    assert.deepEqual((await readRun(join(runs, 'a-complete')))?.engine, { backend: 'wasm' });
    assert.equal((await readRun(join(runs, 'c-killed')))?.engine, null);
  });

  it('lists nothing for a missing folder', async () => {
    assert.deepEqual(await listRuns(join(tmp.path, 'none')), []);
  });

  it('reads a run report and explains an unfinished run', async () => {
    assert.equal((await readReport(join(runs, 'a-complete'))).summary.images, 60);
    await assert.rejects(readReport(join(runs, 'c-killed')), /no report\.json .*resume it/);
    assert.equal(await readRun(join(runs, 'not-a-run')), null);
  });

  it('reads any report.json, and refuses files that are not reports', async () => {
    const other = join(tmp.path, 'other.json');
    writeFileSync(other, JSON.stringify({ name: 'package' }));
    await assert.rejects(readReportFile(other), /not a Robustness Lens report/);
    await assert.rejects(readReportFile(join(tmp.path, 'missing.json')), /cannot read .*ENOENT/);
    assert.equal((await readReportFile(join(runs, 'a-complete', 'report.json'))).config.dimension, 2352);
  });

  it('deletes a run folder but nothing else', async () => {
    await assert.rejects(deleteRun(runs, tmp.path), /not a run folder inside/);
    await assert.rejects(deleteRun(runs, join(runs, '..', '..')), /not a run folder inside/);
    await assert.rejects(deleteRun(runs, join(runs, 'not-a-run')), /holds no run files/);
    await deleteRun(runs, join(runs, 'b-cancelled'));
    assert.equal(existsSync(join(runs, 'b-cancelled')), false);
    assert.equal(existsSync(join(runs, 'a-complete')), true);
  });
});

describe('run ids and places', () => {
  it('makes sortable ids from the time and the model name, unique in the folder', () => {
    const now = new Date(2025, 2, 4, 13, 5, 9);
    const taken = new Set(['2025-03-04_13-05-09_cnn']);
    assert.equal(newRunId('/m/cnn/model.json', now, () => false), '2025-03-04_13-05-09_cnn');
    assert.equal(newRunId('/m/cnn/model.json', now, (id) => taken.has(id)), '2025-03-04_13-05-09_cnn-2');
    assert.equal(newRunId('/m/my net (v2).json', now, () => false), '2025-03-04_13-05-09_my-net-v2');
  });

  it('names models by their file, or by their folder when the file name is generic', () => {
    assert.equal(modelName('/a/b/sneaker-bag/model.json'), 'sneaker-bag');
    assert.equal(modelName('/a/b/net.json'), 'net');
    assert.equal(modelName('/a/b/net.keras'), 'net');
    assert.equal(modelName('/a/b/net.h5'), 'net');
    assert.equal(modelName('/a/b/mobilenet_v2_1.0'), 'mobilenet_v2_1.0');
    assert.equal(modelName('/a/b/mobilenet-v2/model.onnx'), 'mobilenet-v2');
    assert.equal(modelName('/a/models/resnet18.onnx'), 'resnet18');
    assert.equal(modelName('/a/mnist/saved_model'), 'mnist');
    // The bundled demo: media/demo/model/model.json.
    assert.equal(modelName('/ext/media/demo/model/model.json'), 'demo');
    assert.equal(modelName('/models/Model.onnx'), 'Model');
  });

  it('titles runs by model, dataset (a folder, or an array file) and the preset that planned them', () => {
    assert.equal(runTitle('/ws/mobilenet-v2/model.onnx', '/ws/val-images', 'quick'), 'mobilenet-v2 on val-images · Quick look');
    assert.equal(runTitle('/ws/models/cnn.keras', '/data/t10k-images-idx3-ubyte.gz', 'paper'), 'cnn on t10k-images-idx3-ubyte.gz · Paper protocol');
    assert.equal(runTitle('/ws/models/cnn.keras', '/data/fashion', undefined), 'cnn on fashion');
  });

  it('dates a run by its first start, which a resume does not change', async () => {
    const dir = join(tmp.path, 'resumed-run');
    writeRun(dir, { report: { ...recorded, startedAt: '2025-02-01T12:00:00.000Z', firstStartedAt: '2025-02-01T09:00:00.000Z' } });
    assert.equal((await readRun(dir))?.startedAt.toISOString(), '2025-02-01T09:00:00.000Z');
    // While a resumed session runs, run.json already holds the first start; report.json is the last session's.
    const runJson = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, time: { firstStartedAt: '2025-02-01T08:00:00.000Z', activeSeconds: 60 } }));
    assert.equal((await readRun(dir))?.startedAt.toISOString(), '2025-02-01T08:00:00.000Z');
    // Runs from before the first start was kept: the report's start.
    writeRun(dir, { report: { ...recorded, startedAt: '2025-02-01T12:00:00.000Z' } });
    assert.equal((await readRun(dir))?.startedAt.toISOString(), '2025-02-01T12:00:00.000Z');
  });

  it("reads the preset from run.json, ignoring one it does not know", async () => {
    const dir = join(tmp.path, 'preset-run');
    writeRun(dir, {});
    const runJson = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    assert.equal((await readRun(dir))?.preset, undefined);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, preset: 'paper' }));
    assert.equal((await readRun(dir))?.preset, 'paper');
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, preset: 'toString' }));
    assert.equal((await readRun(dir))?.preset, undefined);
  });

  it('resolves the output directory from the workspace folder, or as given', () => {
    assert.equal(resolveRunsDirectory('.robustness', '/ws'), '/ws/.robustness');
    assert.equal(resolveRunsDirectory('/abs/runs', '/ws'), '/abs/runs');
    assert.equal(resolveRunsDirectory('~/runs', '/ws'), join(homedir(), 'runs'));
  });
});
