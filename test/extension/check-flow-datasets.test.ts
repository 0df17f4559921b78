// The check command on a dataset file (src/run/datasets): a NumPy pair of 3 classes for a binary
// model asks which classes to use, and the run gets them as --classes; a dataset file comes from
// the picker's file dialog; a stored run of it resumes with its classes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planCheck, planFromRun, type FlowDeps } from '../../src/extension/check-flow';
import { resolveSettings } from '../../src/extension/settings';
import { FakeUi, MemoryLog, MemoryStore, folderWorkspace } from './fakes';
import { tempFolder, writeBrightnessModel } from './fixtures';
import { littleEndianInt64, npyBytes } from '../run/datasets-files';

const tmp = tempFolder('flow-datasets');
const ws = join(tmp.path, 'ws');
const paths = { model: '', images: join(ws, 'arrays', 'x_test.npy') };

before(async () => {
  paths.model = await writeBrightnessModel(join(ws, 'models', 'cnn'));
  mkdirSync(join(ws, 'arrays'), { recursive: true });
  writeFileSync(paths.images, npyBytes('|u1', [6, 6, 6], Uint8Array.from({ length: 216 }, (_, i) => i % 256)));
  writeFileSync(join(ws, 'arrays', 'y_test.npy'), npyBytes('<i8', [6], littleEndianInt64([0, 1, 2, 0, 1, 2])));
});
after(() => tmp.remove());

function deps(ui: FakeUi): FlowDeps {
  return {
    ui,
    workspace: folderWorkspace([ws]),
    state: new MemoryStore(),
    log: new MemoryLog(),
    settings: resolveSettings({ get: () => undefined }),
    fallbackFolder: join(tmp.path, 'global-storage'),
    distDir: '/ext/dist',
    now: () => new Date('2026-01-02T03:04:05Z'),
  };
}

describe('a dataset file in the check command', () => {
  it('asks for as many classes as the model has outputs, and runs on them', async () => {
    const ui = new FakeUi([
      { pick: 'models/cnn/model.json', title: 'Robustness Lens: model' },
      { pick: 'Browse for a Dataset File…', title: 'Robustness Lens: dataset folder' },
      { openFile: paths.images, title: 'Robustness Lens: dataset folder' },
      { input: '2,0', title: 'Robustness Lens: classes' },
      { pick: 'Quick look', title: 'Robustness Lens: preset' },
    ]);
    const plan = await planCheck(deps(ui), {});
    assert.ok(plan);
    assert.equal(plan.options.data, paths.images);
    assert.deepEqual(plan.options.classes, ['2', '0']);
    assert.deepEqual(plan.classes, ['2', '0']);
    const question = ui.asked.find((q) => q.kind === 'input' && q.title === 'Robustness Lens: classes');
    assert.ok(question && question.kind === 'input');
    assert.match(question.request.prompt ?? '', /The dataset has 3 classes \(0, 1, 2\) but the model has 2/);
    assert.equal(question.request.validate?.('1'), 'name 2 classes');
    assert.equal(question.request.validate?.('1,,2'), 'a comma list of class names or indices, e.g. 7,8');
    assert.equal(question.request.validate?.('1,2'), undefined);

    const resumed = await planFromRun(deps(new FakeUi([])), {
      id: 'r1',
      dir: join(ws, '.robustness', 'r1'),
      status: 'complete',
      startedAt: new Date(),
      done: 2,
      settings: { model: paths.model, data: paths.images, alphas: [1], samples: 10, scales: 8, maxEps: 2, seed: 0, clip: false, classes: ['2', '0'] },
    } as Parameters<typeof planFromRun>[1], 'rerun');
    assert.deepEqual(resumed.options.classes, ['2', '0']);
    assert.deepEqual(resumed.classes, ['2', '0']);
  });
});
