/**
 * The report panel class over a stand-in `vscode`: one panel per report (revealed when open), a
 * CSP with a nonce and only dist/ and media/ readable, the report sent when the page is ready,
 * live images, details from the run's details.json, and revival after a window reload.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PanelEnv, ReportPanel as ReportPanelClass } from '../../src/extension/report-panel';
import type { Report } from '../../src/protocol/report';
import { formatReportJson } from '../../src/run/report-files';
import { FakeUi, MemoryLog, MemoryStore } from './fakes';
import { tempFolder } from './fixtures';
import { FakeWebviewPanel, createFakeVscode, installFakeVscode } from './vscode-fake';

const tmp = tempFolder('panel-class');
const extensionPath = join(tmp.path, 'extension');
const recorded: Report = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'reports', 'report.json'), 'utf8'));
const details = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'reports', 'details.json'), 'utf8'));
const { vscode, record } = createFakeVscode({ folders: [tmp.path], trusted: true });
let restore: () => void = () => undefined;
let ReportPanel: typeof ReportPanelClass;
const state = new MemoryStore();

function env(): PanelEnv {
  return {
    extensionUri: vscode.Uri.file(extensionPath) as never,
    ui: new FakeUi(),
    log: new MemoryLog(),
    state,
    nodePath: () => undefined,
    mayRunModels: () => true,
    baseFolder: () => tmp.path,
  };
}

function writeRunFolder(name: string, report: Report): string {
  const dir = join(tmp.path, '.robustness', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), formatReportJson(report));
  writeFileSync(join(dir, 'details.json'), JSON.stringify(details));
  return dir;
}

const runA = '2025-01-02_10-00-01_model';
const runB = '2025-01-02_10-00-02_other';
const runLive = '2025-01-02_10-00-03_model';
const lastPanel = () => record.panels.at(-1) as FakeWebviewPanel;
const pause = () => new Promise((r) => setTimeout(r, 5));

before(async () => {
  restore = installFakeVscode(vscode, join(tmp.path, 'vscode.js'));
  ({ ReportPanel } = await import('../../src/extension/report-panel'));
});
after(() => {
  ReportPanel.disposeAll();
  restore();
  tmp.remove();
});

describe('the report panel', () => {
  it('opens one panel per run with a nonce CSP, webview URIs and only dist/ and media/ readable', () => {
    const runDir = writeRunFolder(runA, recorded);
    ReportPanel.show(env(), { runDir }, recorded);
    const panel = lastPanel();
    assert.equal(panel.viewType, 'robustnessLens.report');
    assert.equal(panel.title, 'Robustness: demo on data (10:00:01)');
    assert.equal(panel.webview.options.enableScripts, true);
    assert.deepEqual(panel.webview.options.localResourceRoots?.map((u) => u.fsPath), [join(extensionPath, 'dist'), join(extensionPath, 'media')]);
    const html = panel.webview.html;
    const nonce = /script-src 'nonce-([0-9a-f]+)'/.exec(html)?.[1];
    assert.ok(nonce && nonce.length >= 32, 'a random nonce in the CSP');
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://fake.vscode-cdn.net${join(extensionPath, 'dist', 'webview.js')}"></script>`));
    assert.ok(html.includes(`href="https://fake.vscode-cdn.net${join(extensionPath, 'dist', 'webview.css')}"`));
    assert.match(html, /default-src 'none'/);

    ReportPanel.show(env(), { runDir }, null);
    assert.equal(record.panels.length, 1, 'the open panel is revealed, not duplicated');
    assert.equal(panel.revealed, 1);
  });

  it('sends the report once the page is ready, and again whenever the page reloads after being hidden', () => {
    const panel = lastPanel();
    assert.deepEqual(panel.posted, []);
    panel.receive({ type: 'ready' });
    assert.equal(panel.posted.length, 1);
    const sent = panel.posted[0] as { type: string; report: Report; source: { runDir: string } };
    assert.equal(sent.type, 'report');
    assert.equal(sent.report.summary.images, 60);
    assert.deepEqual(sent.source, { runDir: join(tmp.path, '.robustness', runA) });
    panel.setVisible(false);
    panel.setVisible(true);
    panel.receive({ type: 'ready' });
    assert.equal(panel.posted.length, 2);
  });

  it('fills in a live run: images go to a listening page; a reloaded page gets the whole report so far', () => {
    const runDir = join(tmp.path, '.robustness', runLive);
    const live: Report = { ...recorded, images: [], status: 'running' };
    const view = ReportPanel.show(env(), { runDir }, null);
    const panel = lastPanel();
    view.begin(live);
    assert.deepEqual(panel.posted, [], 'nothing reaches a page that has not said ready');
    panel.receive({ type: 'ready' });
    live.images.push(recorded.images[0]);
    view.image(recorded.images[0], recorded.summary, 1, 3);
    assert.deepEqual(panel.posted.map((m) => (m as { type: string }).type), ['report', 'image']);
    panel.setVisible(false);
    live.images.push(recorded.images[1]);
    view.image(recorded.images[1], recorded.summary, 2, 3);
    assert.equal(panel.posted.length, 2, 'a hidden page gets no images');
    panel.setVisible(true);
    panel.receive({ type: 'ready' });
    const resent = panel.posted[2] as { type: string; report: Report };
    assert.equal(resent.type, 'report');
    assert.equal(resent.report.images.length, 2);
    view.end({ ...live, status: 'complete' });
    assert.equal((panel.posted[3] as { report: Report }).report.status, 'complete');
  });

  it("answers a detail request from the run's details.json", async () => {
    const panel = record.panels[0];
    panel.receive({ type: 'requestDetail', file: details[0].file });
    for (let i = 0; i < 500 && !panel.posted.some((m) => (m as { type: string }).type === 'detail'); i++) await pause();
    const answer = panel.posted.find((m) => (m as { type: string }).type === 'detail') as { file: string; detail: unknown };
    assert.equal(answer.file, details[0].file);
    assert.deepEqual(answer.detail, details[0]);
  });

  it('comes back after a window reload: from the page state, or from the panels remembered as open', async () => {
    const remembered = state.get<{ source: { runDir?: string }; title: string }[]>('robustnessLens.openReports') ?? [];
    assert.deepEqual(remembered.map((r) => r.source.runDir), [join(tmp.path, '.robustness', runA), join(tmp.path, '.robustness', runLive)]);
    assert.deepEqual(remembered.map((r) => r.title), ['Robustness: demo on data (10:00:01)', 'Robustness: demo on data (10:00:03)']);
    ReportPanel.disposeAll();
    assert.deepEqual(state.get('robustnessLens.openReports'), []);

    // The page kept its source in its webview state.
    const runDir = writeRunFolder(runB, { ...recorded, config: { ...recorded.config, model: 'other/model.json' } });
    const restored = new FakeWebviewPanel('robustnessLens.report', 'Robustness: other on data (10:00:02)');
    await ReportPanel.revive(env(), restored as never, { source: { runDir }, filter: 'all' });
    assert.equal(restored.disposed, false);
    restored.receive({ type: 'ready' });
    assert.equal((restored.posted[0] as { report: Report }).report.config.model, 'other/model.json');
    ReportPanel.disposeAll();

    // The page kept no source: two panels come back by their titles, whatever order VS Code asks in.
    const runAPanel = { source: { runDir: join(tmp.path, '.robustness', runA) }, title: 'Robustness: demo on data (10:00:01)' };
    const runBPanel = { source: { runDir }, title: 'Robustness: other on data (10:00:02)' };
    await state.update('robustnessLens.openReports', [runAPanel, runBPanel]);
    ReportPanel.prepareRestore(state);
    const second = new FakeWebviewPanel('robustnessLens.report', runBPanel.title);
    const first = new FakeWebviewPanel('robustnessLens.report', runAPanel.title);
    await ReportPanel.revive(env(), second as never, { filter: 'all' });
    assert.deepEqual(
      state.get<{ title: string }[]>('robustnessLens.openReports')?.map((r) => r.title),
      [runBPanel.title, runAPanel.title],
      'the panel not yet restored stays remembered',
    );
    await ReportPanel.revive(env(), first as never, undefined);
    for (const panel of [first, second]) panel.receive({ type: 'ready' });
    assert.equal((second.posted[0] as { report: Report }).report.config.model, 'other/model.json');
    assert.equal((first.posted[0] as { report: Report }).report.config.model, recorded.config.model);

    const extra = new FakeWebviewPanel('robustnessLens.report', 'Robustness: demo on data (10:00:01)');
    await ReportPanel.revive(env(), extra as never, undefined);
    assert.equal(extra.disposed, true, 'nothing is left to restore into a third panel');
    const gone = new FakeWebviewPanel('robustnessLens.report', 'Robustness: gone');
    await ReportPanel.revive(env(), gone as never, { source: { runDir: join(tmp.path, 'deleted-run') } });
    assert.equal(gone.disposed, true, 'a report that is gone closes its restored panel');
  });
});
