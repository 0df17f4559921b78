import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planCheck, planFromRun, startFromResource, type FlowDeps } from '../../src/extension/check-flow';
import { readRun } from '../../src/extension/run-storage';
import { resolveSettings } from '../../src/extension/settings';
import { writeRunFile } from '../../src/run/run-file';
import { FakeUi, MemoryLog, MemoryStore, folderWorkspace, type Answer } from './fakes';
import { tempFolder, writeBrightnessModel, writeDataset, writeSoftmaxModel } from './fixtures';

const tmp = tempFolder('flow');
const ws = join(tmp.path, 'ws');
const paths = { model: '', softmax: '', data: join(ws, 'data', 'test'), other: join(ws, 'other'), labels: join(ws, 'labels.txt') };
const now = new Date(2025, 0, 2, 3, 4, 5);

before(async () => {
  paths.model = await writeBrightnessModel(join(ws, 'models', 'cnn'));
  paths.softmax = await writeSoftmaxModel(join(tmp.path, 'outside', 'three'), 3);
  writeDataset(paths.data, { '0_dark': [0.1, 0.2, 0.3], '1_bright': [0.7, 0.8, 0.9] });
  writeDataset(paths.other, { a: [0.5], b: [0.5], c: [0.5] });
  writeFileSync(paths.labels, '0_dark\n1_bright\n2_grey\n');
});
after(() => tmp.remove());

function deps(ui: FakeUi, state = new MemoryStore(), folders = [ws], settings: Record<string, unknown> = {}): FlowDeps {
  return {
    ui,
    workspace: folderWorkspace(folders),
    state,
    log: new MemoryLog(),
    settings: resolveSettings({ get: <T>(key: string) => settings[key] as T | undefined }),
    fallbackFolder: join(tmp.path, 'global-storage'),
    distDir: '/ext/dist',
    now: () => now,
  };
}

const model: Answer = { pick: 'models/cnn/model.json', title: 'Robustness Lens: model' };
const dataset: Answer = { pick: 'data/test', title: 'Robustness Lens: dataset folder' };

describe('the check command asks only what it does not know', () => {
  const state = new MemoryStore();

  it('from the palette: model, dataset folder, preset — a single candidate is still asked, preselected', async () => {
    const ui = new FakeUi([model, dataset, { pick: 'Quick look', title: 'Robustness Lens: preset' }]);
    const plan = await planCheck(deps(ui, state), {});
    assert.ok(plan);
    assert.equal(ui.remaining, 0);
    assert.deepEqual(ui.asked[0], { kind: 'pick', title: 'Robustness Lens: model', labels: ['models/cnn/model.json', 'Browse…'], descriptions: [undefined, 'a model file anywhere on disk (for a SavedModel, its saved_model.pb)'] });
    const datasetQuestion = ui.asked[1];
    assert.equal(datasetQuestion.kind, 'pick');
    assert.deepEqual(datasetQuestion.kind === 'pick' && datasetQuestion.labels, ['data/test', 'other', 'Browse…', 'Browse for a Dataset File…']);
    assert.deepEqual(datasetQuestion.kind === 'pick' && datasetQuestion.descriptions.slice(0, 2), ['2 class folders · 6 images', '3 class folders · 3 images']);
    const presets = ui.asked[2];
    assert.deepEqual(presets.kind === 'pick' && presets.labels, ['Quick look', 'Paper protocol', 'Custom']);
    assert.deepEqual(presets.kind === 'pick' && presets.descriptions, ['6 of 6 images, 200 random samples per α', 'all 6 images, 2000 samples, α = 1, 2, 5, 10', 'every option']);

    assert.equal(plan.runId, '2025-01-02_03-04-05_cnn');
    assert.equal(plan.runsDir, join(ws, '.robustness'));
    assert.deepEqual(plan.classes, ['0_dark', '1_bright']);
    assert.deepEqual(plan.options, {
      model: paths.model,
      data: paths.data,
      out: join(ws, '.robustness', '2025-01-02_03-04-05_cnn'),
      attack: 'fgm-line',
      attackOptions: { steps: 100, ddnGamma: 0.05, ddnInitEps: 1, fmnAlpha: 1, fmnAlphaFinal: 0.01, fmnGamma: 0.05, fmnGammaFinal: 0.001, randomPerAttack: false, refine: false },
      alphas: [1, 2, 5, 10],
      samples: 200,
      scales: 256,
      maxEps: 10,
      seed: 0,
      clip: false,
      backend: 'auto',
      forward: 'auto',
      preprocessing: { preset: 'unit' },
      details: 24,
      workerScript: '/ext/dist/worker.js',
      reportAssetsDir: '/ext/dist',
      sample: 50,
      batchMemoryMb: 256,
      preset: 'quick',
    });
  });

  it('remembers the last model, dataset and preset in the workspace state and offers them first', async () => {
    const ui = new FakeUi([{ pick: 'models/cnn/model.json' }, { pick: 'data/test' }, { pick: 'Paper protocol' }]);
    const plan = await planCheck(deps(ui, state), {});
    assert.ok(plan);
    const [m, d, p] = ui.asked;
    assert.equal(m.kind === 'pick' && m.descriptions[0], 'last used');
    assert.match(d.kind === 'pick' ? String(d.descriptions[0]) : '', /last used/);
    assert.equal(p.kind === 'pick' && p.labels[0], 'Quick look');
    assert.deepEqual([plan.options.alphas, plan.options.samples, plan.options.scales, plan.options.limit], [[1, 2, 5, 10], 2000, 256, undefined]);
    assert.equal(state.get('robustnessLens.lastPreset'), 'paper');
    const again = new FakeUi([{ pick: 'models/cnn/model.json' }, { pick: 'data/test' }, { pick: undefined }]);
    assert.equal(await planCheck(deps(again, state), {}), undefined);
    const presets = again.asked[2];
    assert.equal(presets.kind === 'pick' && presets.labels[0], 'Paper protocol');
  });

  it('from the explorer: a model.json skips the model picker; a dataset folder skips the dataset picker', async () => {
    assert.deepEqual(startFromResource(paths.model), { model: paths.model });
    assert.deepEqual(startFromResource(dirname(paths.model)), { model: paths.model });
    assert.deepEqual(startFromResource(paths.data), { data: paths.data });
    assert.throws(() => startFromResource(join(paths.data, '0_dark', '00.png')), /is not a model file: expected a TF\.js model\.json, a Keras \.keras or \.h5 file/);

    const fromModel = new FakeUi([dataset, { pick: 'Quick look' }]);
    assert.ok(await planCheck(deps(fromModel), startFromResource(paths.model)));
    assert.deepEqual(fromModel.titles(), ['Robustness Lens: dataset folder', 'Robustness Lens: preset']);
    const fromData = new FakeUi([model, { pick: 'Quick look' }]);
    assert.ok(await planCheck(deps(fromData), startFromResource(paths.data)));
    assert.deepEqual(fromData.titles(), ['Robustness Lens: model', 'Robustness Lens: preset']);
  });

  it('checks the class folders against the model before asking for the preset', async () => {
    const ui = new FakeUi([model, { pick: 'other' }]);
    await assert.rejects(planCheck(deps(ui), {}), { message: 'dataset has 3 class folders but the model has 1 output (a sigmoid: 2 classes)' });
    assert.equal(ui.asked.length, 2);
  });

  it('offers a labels file when the model has more outputs than the dataset has folders', async () => {
    const ui = new FakeUi([
      { notify: 'Choose Labels File…', kind: 'error' },
      { openFile: paths.labels, title: 'Robustness Lens: labels file' },
      { pick: 'Quick look' },
    ]);
    const plan = await planCheck(deps(ui), { model: paths.softmax, data: paths.data });
    assert.ok(plan);
    assert.match(ui.messages('error')[0], /^dataset has 2 class folders but the model has 3 outputs\. Give a labels file/);
    assert.equal(plan.options.labels, paths.labels);
    assert.deepEqual(plan.classes, ['0_dark', '1_bright', '2_grey']);
  });

  it('Custom asks every option, validates each, and keeps the answers', async () => {
    const ui = new FakeUi([
      { pick: 'Custom' },
      { input: '1, 3', title: 'Robustness Lens: α values' },
      { input: '100', title: 'Robustness Lens: random samples' },
      { input: '64', title: 'Robustness Lens: line-search steps' },
      { input: '5', title: 'Robustness Lens: largest ε' },
      { input: '4', title: 'Robustness Lens: image limit' },
      { input: '7', title: 'Robustness Lens: seed' },
      { pick: 'Clip to [0,1]', title: 'Robustness Lens: clipping' },
      { pick: 'wasm', title: 'Robustness Lens: backend' },
      { pick: 'onnxruntime', title: 'Robustness Lens: forward passes' },
      { input: '2', title: 'Robustness Lens: workers' },
      { pick: 'Sorted folder names', title: 'Robustness Lens: class order' },
      { input: '', title: 'Robustness Lens: classes' },
    ]);
    const plan = await planCheck(deps(ui, new MemoryStore(), [ws], { samples: 300, forward: 'tfjs' }), { model: paths.model, data: paths.data });
    assert.ok(plan);
    const o = plan.options;
    assert.deepEqual([o.alphas, o.samples, o.scales, o.maxEps, o.limit, o.seed, o.clip, o.backend, o.forward, o.workers, o.labels], [[1, 3], 100, 64, 5, 4, 7, true, 'wasm', 'onnxruntime', 2, undefined]);
    // The forward pick offers the setting's value first, each choice with what it does.
    const forward = ui.asked.find((q) => q.kind === 'pick' && q.title === 'Robustness Lens: forward passes');
    assert.deepEqual(forward?.kind === 'pick' && forward.labels, ['tfjs', 'auto', 'onnxruntime']);
    assert.ok(forward?.kind === 'pick' && forward.descriptions.every((d) => typeof d === 'string' && d.length > 0));
    const inputs = ui.asked.filter((q) => q.kind === 'input');
    assert.deepEqual(inputs.map((q) => q.kind === 'input' && q.value), ['1, 2, 5, 10', '300', '256', '10', '0', '0', '0', '']);
    const validate = (title: string, text: string) => {
      const q = inputs.find((i) => i.kind === 'input' && i.title === title);
      return q?.kind === 'input' ? q.request.validate(text) : 'no such input';
    };
    assert.equal(validate('Robustness Lens: α values', '1,0'), 'alphas values must be positive numbers, got 0');
    assert.equal(validate('Robustness Lens: random samples', '0'), 'samples must be a positive integer, got 0');
    assert.equal(validate('Robustness Lens: largest ε', '-1'), 'maxEps must be a positive number, got -1');
    assert.equal(validate('Robustness Lens: seed', '-1'), 'seed must be a non-negative integer, got -1');
    assert.equal(validate('Robustness Lens: image limit', '0'), undefined);
  });

  it('takes the attack from the settings, except the Paper protocol preset, which keeps the paper’s', async () => {
    const withDeepfool = (preset: string) => deps(new FakeUi([model, dataset, { pick: preset }]), new MemoryStore(), [ws], { attack: 'deepfool' });
    assert.equal((await planCheck(withDeepfool('Quick look'), {}))?.options.attack, 'deepfool');
    assert.equal((await planCheck(withDeepfool('Paper protocol'), {}))?.options.attack, 'fgm-line');
  });

  it('stops quietly when a picker is dismissed', async () => {
    assert.equal(await planCheck(deps(new FakeUi([model, { pick: undefined }])), {}), undefined);
    assert.equal(await planCheck(deps(new FakeUi([{ pick: 'Browse…' }, { openFile: undefined }])), {}), undefined);
  });

  it('with no folder open: the model comes from a file dialog and runs go to global storage', async () => {
    const ui = new FakeUi([{ openFile: paths.model, title: 'Robustness Lens: model' }, { pick: 'Browse…', title: 'Robustness Lens: dataset folder' }, { openFolder: paths.data, title: 'Robustness Lens: dataset folder' }, { pick: 'Quick look' }]);
    const plan = await planCheck(deps(ui, new MemoryStore(), []), {});
    assert.ok(plan);
    assert.equal(plan.runsDir, join(tmp.path, 'global-storage', '.robustness'));
  });
});

describe('the bundled demo', () => {
  it("stores the demo's runs in global storage, not in the open workspace", async () => {
    const extension = join(tmp.path, 'extension');
    const demoModel = await writeBrightnessModel(join(extension, 'media', 'demo', 'model'));
    const demoData = writeDataset(join(extension, 'media', 'demo', 'data'), { '0_dark': [0.1], '1_bright': [0.9] });
    const flow = { ...deps(new FakeUi([{ pick: 'Quick look' }])), distDir: join(extension, 'dist') };
    const plan = await planCheck(flow, { model: demoModel, data: demoData });
    assert.ok(plan);
    assert.equal(plan.runsDir, join(tmp.path, 'global-storage', '.robustness'));
    assert.ok(plan.options.out.startsWith(join(tmp.path, 'global-storage', '.robustness', '2025-01-02_03-04-05_demo')));
    assert.equal(plan.settingsPreset, 'quick');
    // The workspace's own models still go to the workspace.
    const own = await planCheck({ ...flow, ui: new FakeUi([{ pick: 'Quick look' }]) }, { model: paths.model, data: paths.data });
    assert.equal(own?.runsDir, join(ws, '.robustness'));
  });
});

describe('resume and re-run a stored run', () => {
  it('resumes into the same folder with the stored engine settings, re-runs into a new one', async () => {
    const runDir = join(ws, '.robustness', 'old-run');
    mkdirSync(runDir, { recursive: true });
    writeRunFile(join(runDir, 'run.json'), {
      tool: { name: 'robustness-lens', version: '0.1.0' },
      settings: { model: paths.model, modelHash: 'sha256:0', data: paths.data, labels: null, classes: ['0_dark', '1_bright'], attack: 'fgm-line', scales: 32, maxEps: 4, alphas: [2, 4], samples: 77, seed: 9, clip: true },
      selection: { limit: 3, shard: null },
      modelInfo: null,
    });
    const run = await readRun(runDir);
    assert.ok(run);
    const flow = deps(new FakeUi(), new MemoryStore(), [ws], { backend: 'cpu', forward: 'tfjs', workers: 1 });
    const resumed = await planFromRun(flow, run, 'resume');
    assert.equal(resumed.options.out, runDir);
    assert.equal(resumed.runId, 'old-run');
    assert.deepEqual(
      [resumed.options.alphas, resumed.options.samples, resumed.options.scales, resumed.options.maxEps, resumed.options.seed, resumed.options.clip, resumed.options.limit, resumed.options.backend, resumed.options.forward, resumed.options.workers],
      [[2, 4], 77, 32, 4, 9, true, 3, 'cpu', 'tfjs', 1],
    );
    const rerun = await planFromRun(flow, run, 'rerun');
    assert.equal(rerun.options.out, join(ws, '.robustness', '2025-01-02_03-04-05_cnn'));
    assert.equal(rerun.options.samples, 77);
  });

  it('keeps the stored run’s attack, whatever the attack setting says now', async () => {
    const runDir = join(ws, '.robustness', 'deepfool-run');
    mkdirSync(runDir, { recursive: true });
    writeRunFile(join(runDir, 'run.json'), {
      tool: { name: 'robustness-lens', version: '0.1.0' },
      settings: { model: paths.model, modelHash: 'sha256:0', data: paths.data, labels: null, classes: ['0_dark', '1_bright'], attack: 'deepfool', scales: 32, maxEps: 4, alphas: [2, 4], samples: 77, seed: 9, clip: false },
      selection: { limit: null, shard: null },
      modelInfo: null,
    });
    const run = await readRun(runDir);
    assert.ok(run);
    const flow = deps(new FakeUi(), new MemoryStore(), [ws], { attack: 'fgm-line' });
    assert.equal((await planFromRun(flow, run, 'resume')).options.attack, 'deepfool');
    assert.equal((await planFromRun(flow, run, 'rerun')).options.attack, 'deepfool');
  });
});
