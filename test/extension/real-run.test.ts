/**
 * The extension's flow on the real run host and real worker processes (dist/worker.js): a check
 * planned through the pickers, run with progress, cancelled, listed, resumed, and a detail drawn.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planCheck, planFromRun, type FlowDeps } from '../../src/extension/check-flow';
import { DetailService } from '../../src/extension/detail-service';
import { RunSession, type LiveView } from '../../src/extension/run-session';
import { listRuns, readReport } from '../../src/extension/run-storage';
import { resolveSettings } from '../../src/extension/settings';
import type { ImageDetail } from '../../src/protocol/messages';
import type { Report } from '../../src/protocol/report';
import { startCheck } from '../../src/run/check';
import { FakeUi, MemoryLog, MemoryStore, folderWorkspace } from './fakes';
import { tempFolder, writeBrightnessModel, writeDataset } from './fixtures';

const root = join(import.meta.dirname, '..', '..');
const dist = join(root, 'dist');
const tmp = tempFolder('real');
const ws = join(tmp.path, 'ws');
const log = new MemoryLog();
const dark = Array.from({ length: 10 }, (_, i) => 0.05 + i * 0.03);
const bright = dark.map((b) => 1 - b);

before(async () => {
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  await writeBrightnessModel(join(ws, 'model'));
  writeDataset(join(ws, 'data'), { '0_dark': dark, '1_bright': bright });
});
after(() => tmp.remove());

function flowDeps(ui: FakeUi, settings: Record<string, unknown>): FlowDeps {
  return {
    ui,
    workspace: folderWorkspace([ws]),
    state: new MemoryStore(),
    log,
    settings: resolveSettings({ get: <T>(key: string) => settings[key] as T | undefined }),
    fallbackFolder: join(tmp.path, 'global'),
    distDir: dist,
    now: () => new Date(),
  };
}

class PanelRecorder implements LiveView {
  begins = 0;
  images = 0;
  ended: Report | null = null;
  begin() {
    this.begins++;
  }
  image() {
    this.images++;
  }
  end(report: Report) {
    this.ended = report;
  }
}

function newSession(ui: FakeUi, panel: PanelRecorder) {
  return new RunSession({
    ui,
    log,
    status: { running: () => undefined, idle: () => undefined },
    startCheck: async () => startCheck,
    liveView: () => panel,
    runsChanged: () => undefined,
    toolVersion: '0.1.0',
    now: () => new Date(),
  });
}

const settings = { backend: 'wasm', workers: 1, 'quickLook.samples': 50, detailImages: 1 };
const answers = () => [{ pick: 'model/model.json' }, { pick: 'data' }, { pick: 'Quick look' }];

describe('a real check from the extension', () => {
  let completeDir = '';

  it('runs Quick look to the end with progress, fills the panel, and lists the run', async () => {
    const ui = new FakeUi(answers());
    const plan = await planCheck(flowDeps(ui, settings), {});
    assert.ok(plan);
    const panel = new PanelRecorder();
    const result = await newSession(ui, panel).run(plan);
    assert.equal(result.kind, 'finished');
    assert.equal(result.kind === 'finished' && result.outcome.status, 'complete');
    assert.deepEqual(ui.messages('warn'), []);
    const messages = ui.progress[0].reports.map((r) => r.message ?? '');
    assert.ok(messages.includes('20 / 20 images · random perturbations'), messages.join('\n'));
    assert.equal(panel.begins, 1);
    assert.equal(panel.images, 20);
    assert.equal(panel.ended?.images.length, 20);

    const runs = await listRuns(plan.runsDir);
    assert.equal(runs.length, 1);
    const [run] = runs;
    completeDir = run.dir;
    assert.equal(run.dir, plan.options.out);
    assert.equal(run.status, 'complete');
    assert.equal(run.hasHtml, true);
    assert.equal(run.headline?.images, 20);
    assert.equal(run.headline?.accuracy, 1);
    assert.equal(run.settings?.model, plan.options.model);
    assert.equal(run.settings?.samples, 50);
    // run.json keeps the preset that planned the run, which names it in the Runs view.
    assert.equal(run.preset, 'quick');
  });

  it('Cancel keeps the finished images; resume finishes the rest in the same folder', async () => {
    const ui = new FakeUi(answers());
    const plan = await planCheck(flowDeps(ui, { ...settings, 'quickLook.samples': 2000 }), {});
    assert.ok(plan);
    const panel = new PanelRecorder();
    const session = newSession(ui, panel);
    const running = session.run(plan);
    while (panel.images === 0) await new Promise((r) => setTimeout(r, 5));
    ui.cancelProgress?.();
    const result = await running;
    assert.equal(result.kind === 'finished' && result.outcome.status, 'cancelled');
    const kept = (await readReport(plan.options.out)).images.length;
    assert.ok(kept >= 1 && kept < 20, `kept ${kept}`);
    assert.match(ui.messages('info')[0], new RegExp(`run stopped; ${kept} finished image`));

    const run = (await listRuns(plan.runsDir)).find((r) => r.dir === plan.options.out);
    assert.equal(run?.status, 'cancelled');
    assert.ok(run);
    const firstStart = run.startedAt.getTime();
    const resumePlan = await planFromRun(flowDeps(new FakeUi(), settings), run, 'resume');
    const resumed = await newSession(new FakeUi(), new PanelRecorder()).run(resumePlan);
    assert.equal(resumed.kind === 'finished' && resumed.outcome.status, 'complete');
    const jsonl = readFileSync(join(plan.options.out, 'images.jsonl'), 'utf8').trim().split('\n');
    assert.equal(jsonl.length, 20);
    assert.equal((await readReport(plan.options.out)).images.length, 20);
    assert.equal(resumePlan.settingsPreset, 'quick');
    const listed = (await listRuns(plan.runsDir)).find((r) => r.dir === plan.options.out);
    assert.equal(listed?.preset, 'quick');
    // The Runs view dates the run by its first start, not by the resumed session's.
    assert.equal(listed?.startedAt.getTime(), firstStart);
  });

  it('draws a detail the run did not store, with one worker', async () => {
    const report = await readReport(completeDir);
    const stored = JSON.parse(readFileSync(join(completeDir, 'details.json'), 'utf8')) as ImageDetail[];
    assert.equal(stored.length, 1);
    const other = report.images.find((r) => r.adversarial && r.file !== stored[0].file);
    assert.ok(other);
    const service = new DetailService({
      report,
      modelPath: report.config.model,
      dataDir: report.config.data,
      runDir: completeDir,
      workerScript: join(dist, 'worker.js'),
      log: (line) => log.line(line),
      mayRunModels: () => true,
    });
    try {
      assert.deepEqual(await service.detail(stored[0].file), stored[0]);
      const drawn = await service.detail(other.file);
      assert.equal(drawn.file, other.file);
      assert.deepEqual([drawn.original.width, drawn.original.height], [6, 6]);
      assert.ok(drawn.adversarial);
      await assert.rejects(service.detail('0_dark/none.png'), /not in this report/);
    } finally {
      service.dispose();
    }
    const untrusted = new DetailService({ report, modelPath: report.config.model, dataDir: report.config.data, workerScript: join(dist, 'worker.js'), log: () => undefined, mayRunModels: () => false });
    await assert.rejects(untrusted.detail(other.file), /only does in a trusted workspace/);
  });
});
