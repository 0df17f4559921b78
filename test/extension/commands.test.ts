/**
 * The command handlers over a stand-in `vscode` and a scripted window: errors as one notification,
 * deleting a run only after confirmation, opening reports and unfinished runs.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommandEnv, Commands as CommandsClass } from '../../src/extension/commands';
import type { ReportPanel as ReportPanelClass } from '../../src/extension/report-panel';
import { RunSession } from '../../src/extension/run-session';
import { dateTimeText } from '../../src/report/format';
import { listRuns, readRun, type RunInfo } from '../../src/extension/run-storage';
import type { RunsTree } from '../../src/extension/runs-tree';
import { resolveSettings } from '../../src/extension/settings';
import type { Report } from '../../src/protocol/report';
import { formatReportJson } from '../../src/run/report-files';
import { writeRunFile } from '../../src/run/run-file';
import { FakeUi, MemoryLog, MemoryStore, folderWorkspace, type Answer } from './fakes';
import { tempFolder, writeBrightnessModel, writeDataset } from './fixtures';
import { createFakeVscode, installFakeVscode } from './vscode-fake';

const tmp = tempFolder('commands');
const ws = join(tmp.path, 'ws');
const runs = join(ws, '.robustness');
const recorded: Report = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'reports', 'report.json'), 'utf8'));
const { vscode, record } = createFakeVscode({ folders: [ws], trusted: true });
let restore: () => void = () => undefined;
let Commands: typeof CommandsClass;
let ReportPanel: typeof ReportPanelClass;

before(async () => {
  restore = installFakeVscode(vscode, join(tmp.path, 'vscode.js'));
  ({ Commands } = await import('../../src/extension/commands'));
  ({ ReportPanel } = await import('../../src/extension/report-panel'));
  await writeBrightnessModel(join(ws, 'model'));
  writeDataset(join(ws, 'data'), { a: [0.2], b: [0.8], c: [0.5] });
});
after(() => {
  ReportPanel.disposeAll();
  restore();
  tmp.remove();
});

function commands(script: Answer[]) {
  const ui = new FakeUi(script);
  const log = new MemoryLog();
  let refreshed = 0;
  const state = new MemoryStore();
  const session = new RunSession({
    ui,
    log,
    status: { running: () => undefined, idle: () => undefined },
    startCheck: async () => {
      throw new Error('no run expected in this test');
    },
    liveView: () => {
      throw new Error('no run expected in this test');
    },
    runsChanged: () => undefined,
    toolVersion: '0.1.0',
    now: () => new Date(),
  });
  const env: CommandEnv = {
    extensionPath: tmp.path,
    globalStorage: join(tmp.path, 'global'),
    ui,
    workspace: folderWorkspace([ws]),
    state,
    log,
    readSettings: () => resolveSettings({ get: () => undefined }),
    session,
    tree: { refresh: () => refreshed++, getChildren: () => listRuns(runs) } as unknown as RunsTree,
    panelEnv: { extensionUri: vscode.Uri.file(tmp.path) as never, ui, log, state, nodePath: () => undefined, mayRunModels: () => true, baseFolder: () => ws },
  };
  return { c: new Commands(env), ui, log, refreshed: () => refreshed };
}

function writeRun(name: string, finished: boolean): string {
  const dir = join(runs, name);
  mkdirSync(dir, { recursive: true });
  writeRunFile(join(dir, 'run.json'), {
    tool: { name: 'robustness-lens', version: '0.1.0' },
    settings: { model: join(ws, 'model', 'model.json'), modelHash: 'sha256:0', data: join(ws, 'data'), labels: null, classes: ['a', 'b'], attack: 'fgm-line', scales: 256, maxEps: 10, alphas: [1, 2, 5, 10], samples: 2000, seed: 0, clip: false },
    selection: { limit: null, shard: null },
    modelInfo: null,
  });
  writeFileSync(join(dir, 'images.jsonl'), `${JSON.stringify(recorded.images[0])}\n`);
  if (finished) writeFileSync(join(dir, 'report.json'), formatReportJson(recorded));
  return dir;
}

async function run(dir: string): Promise<RunInfo> {
  const info = await readRun(dir);
  assert.ok(info);
  return info;
}

describe('commands', () => {
  it('report a failed check as one notification with what to do, the detail in the output channel', async () => {
    const { c, ui, log } = commands([{ pick: 'model/model.json' }, { pick: 'data' }]);
    await c.check();
    assert.deepEqual(ui.asked.at(-1), {
      kind: 'error',
      message: 'Robustness Lens: the check could not start: dataset has 3 class folders but the model has 1 output (a sigmoid: 2 classes). Pick the dataset folder that matches the model, or give a labels file in model output order (Custom preset).',
      actions: ['Show Output'],
    });
    // An ordinary mistake: one line in the output channel, no stack.
    assert.deepEqual(log.lines, ['ERROR the check could not start: dataset has 3 class folders but the model has 1 output (a sigmoid: 2 classes)']);
  });

  it('delete a run only after confirmation', async () => {
    const dir = writeRun('2025-01-01_00-00-00_model', true);
    const kept = commands([{ confirm: false }]);
    await kept.c.deleteRun(await run(dir));
    assert.ok(existsSync(dir));
    const deleted = commands([{ confirm: true }]);
    await deleted.c.deleteRun(await run(dir));
    assert.equal(existsSync(dir), false);
    assert.equal(deleted.refreshed(), 1);
    const question = deleted.ui.asked[0];
    assert.equal(question.kind, 'confirm');
    assert.match(question.kind === 'confirm' ? question.message : '', /^Delete the run "ws on data" \(2025-01-01_00-00-00_model\)\?$/);
  });

  it('open a finished run in its panel, and offer to resume an unfinished one', async () => {
    const done = writeRun('2025-01-01_00-00-01_model', true);
    const { c } = commands([]);
    await c.openRun(await run(done));
    assert.equal(record.panels.length, 1);
    assert.equal(record.panels[0].title, 'Robustness: demo on data (00:00:01)');
    await c.openReport(vscode.Uri.file(join(done, 'report.json')) as never);
    assert.equal(record.panels.length, 1, 'the same run reveals its open panel');

    const unfinished = writeRun('2025-01-01_00-00-02_model', false);
    const asked = commands([{ notify: undefined, kind: 'info' }]);
    await asked.c.openRun(await run(unfinished));
    assert.deepEqual(asked.ui.asked, [{ kind: 'info', message: 'Robustness Lens: this run has not finished: 1 image done and no report yet.', actions: ['Resume'] }]);
    assert.equal(record.panels.length, 1);
  });

  it('open any report.json from a file dialog', async () => {
    const loose = join(tmp.path, 'shared-report.json');
    writeFileSync(loose, JSON.stringify({ ...recorded, startedAt: undefined }));
    const { c, ui } = commands([{ pick: 'Browse…', title: 'Robustness Lens: report' }, { openFile: loose, title: 'Robustness Lens: report' }]);
    await c.openReport();
    assert.equal(ui.remaining, 0);
    assert.equal(record.panels.length, 2);
    assert.equal(record.panels[1].title, 'Robustness: demo on data');
    const notReport = join(tmp.path, 'package.json');
    writeFileSync(notReport, '{"name":"x"}');
    const failing = commands([{ pick: 'Browse…' }, { openFile: notReport }]);
    await failing.c.openReport();
    assert.match(failing.ui.messages('error')[0], /^Robustness Lens: the report could not be opened: .*package\.json is not a Robustness Lens report/);
  });

  it('Open Report lists the stored runs with a report (title, start, images, accuracy), then Browse…', async () => {
    const done = join(runs, '2025-01-01_00-00-01_model');
    const { c, ui } = commands([{ pick: 'ws on data', title: 'Robustness Lens: report' }]);
    const panel = record.panels.find((p) => p.title === 'Robustness: demo on data (00:00:01)');
    assert.ok(panel, 'the finished run has a panel from the test above');
    const revealed = panel.revealed;
    await c.openReport();
    const question = ui.asked[0];
    assert.ok(question.kind === 'pick');
    // The unfinished run (no report.json) is not offered.
    assert.deepEqual(question.labels, ['ws on data', 'Browse…']);
    assert.equal(question.descriptions[0], `${dateTimeText((await run(done)).startedAt)} · 60 images · accuracy 96.7 %`);
    assert.equal(panel.revealed, revealed + 1, "the picked run's panel is revealed");
    assert.deepEqual(ui.messages('error'), []);
  });

  it('Browse… refuses the other files of a run folder in one line, naming its report.json', async () => {
    const done = join(runs, '2025-01-01_00-00-01_model');
    for (const file of ['run.json', 'details.json', 'images.jsonl']) {
      const { c, ui } = commands([{ pick: 'Browse…' }, { openFile: join(done, file) }]);
      await c.openReport();
      assert.match(ui.messages('error')[0], new RegExp(`^Robustness Lens: the report could not be opened: ${file.replace('.', '\\.')} holds a run's [a-z -]+, not its report: open report\\.json in ${done.replace(/[/.\\-]/g, '\\$&')}\\.`));
    }
  });
});
