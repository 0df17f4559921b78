/**
 * The Compare panel over a stand-in `vscode`: the comparison of two runs (as `robustness-lens
 * compare` computes it) sent once the page is ready, with the report panel's CSP, one panel per pair.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ComparePanel as ComparePanelClass } from '../../src/extension/compare-panel';
import { compareReports } from '../../src/engine/compare';
import type { CompareReport, Report } from '../../src/protocol/report';
import { tool } from '../../src/run/version';
import { tempFolder } from './fixtures';
import { FakeUi } from './fakes';
import { FakeWebviewPanel, createFakeVscode, installFakeVscode } from './vscode-fake';

const tmp = tempFolder('compare-panel');
const extensionPath = join(tmp.path, 'extension');
const recorded: Report = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'reports', 'report.json'), 'utf8'));
const { vscode, record } = createFakeVscode({ folders: [tmp.path], trusted: true });
let restore: () => void = () => undefined;
let ComparePanel: typeof ComparePanelClass;
const lastPanel = () => record.panels.at(-1) as FakeWebviewPanel;
const quietExports = { ui: new FakeUi(), log: () => undefined };

/** The same run with every adversarial distance halved: a model twice as fragile. */
function halved(report: Report): Report {
  return { ...report, images: report.images.map((image) => (image.adversarial ? { ...image, adversarial: { ...image.adversarial, eps: image.adversarial.eps / 2 } } : image)) };
}

before(async () => {
  restore = installFakeVscode(vscode, join(tmp.path, 'vscode.js'));
  ({ ComparePanel } = await import('../../src/extension/compare-panel'));
});
after(() => {
  ComparePanel.disposeAll();
  restore();
  tmp.remove();
});

describe('the compare panel', () => {
  const compare = compareReports({ report: recorded, source: '/runs/a/report.json', name: 'a' }, { report: halved(recorded), source: '/runs/b/report.json', name: 'b' }, tool);

  it('opens with a nonce CSP and only dist/ and media/ readable, and sends the comparison when the page is ready', () => {
    ComparePanel.show(vscode.Uri.file(extensionPath) as never, compare, quietExports);
    const panel = lastPanel();
    assert.equal(panel.viewType, 'robustnessLens.compare');
    assert.equal(panel.title, 'Compare: a vs b');
    assert.deepEqual(panel.webview.options.localResourceRoots?.map((u) => u.fsPath), [join(extensionPath, 'dist'), join(extensionPath, 'media')]);
    assert.match(panel.webview.html, /script-src 'nonce-[0-9a-f]{32,}'/);
    assert.match(panel.webview.html, /default-src 'none'/);
    assert.deepEqual(panel.posted, []);
    panel.receive({ type: 'ready' });
    const sent = panel.posted[0] as { type: string; compare: CompareReport };
    assert.equal(sent.type, 'compare');
    assert.deepEqual([sent.compare.a.name, sent.compare.b.name], ['a', 'b']);
    const ratios = sent.compare.images.map((image) => image.ratio).filter((r): r is number => typeof r === 'number');
    assert.ok(ratios.length > 0 && ratios.every((r) => Math.abs(r - 0.5) < 1e-9), 'ε*_B / ε*_A is 1/2 on every image attacked in both');
  });

  it('the same pair reveals its panel with the new content; another pair gets its own', () => {
    const before = record.panels.length;
    ComparePanel.show(vscode.Uri.file(extensionPath) as never, compare, quietExports);
    assert.equal(record.panels.length, before);
    assert.equal(lastPanel().revealed, 1);
    assert.equal(lastPanel().posted.length, 2);
    const other = compareReports({ report: recorded, source: '/runs/a/report.json', name: 'a' }, { report: recorded, source: '/runs/c/report.json', name: 'c' }, tool);
    ComparePanel.show(vscode.Uri.file(extensionPath) as never, other, quietExports);
    assert.equal(record.panels.length, before + 1);
  });

  it("saves a chart's PNG export where the user says, starting beside run A's report, and answers exported", async () => {
    const target = join(tmp.path, 'violins.png');
    const ui = new FakeUi([{ saveFile: target }]);
    const lines: string[] = [];
    const pair = compareReports({ report: recorded, source: join(tmp.path, 'run-a', 'report.json'), name: 'a' }, { report: recorded, source: join(tmp.path, 'run-d', 'report.json'), name: 'd' }, tool);
    ComparePanel.show(vscode.Uri.file(extensionPath) as never, pair, { ui, log: (line) => lines.push(line) });
    const panel = lastPanel();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    panel.receive({ type: 'export', format: 'png', suggestedName: '../../violins', content: `data:image/png;base64,${png.toString('base64')}` });
    for (let i = 0; i < 50 && !panel.posted.some((m) => (m as { type: string }).type === 'exported'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(panel.posted.at(-1), { type: 'exported', format: 'png', path: target });
    assert.deepEqual(readFileSync(target), png);
    assert.deepEqual(ui.asked[0], { kind: 'saveFile', title: 'Robustness Lens: export PNG', defaultPath: join(tmp.path, 'run-a', 'violins.png') });
    assert.deepEqual(lines, [`Exported png to ${target}`]);
  });
});
