/**
 * The extension driven the way a user drives it, in a real VS Code (code-server, installed by
 * scripts/e2e/setup-code-server.sh) through headless Chromium: package the .vsix, install it,
 * open a workspace with the demo model and a few images, run the check from the palette, and
 * read the report panel. Run with `npm run test:e2e`.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { CodeServer, setupCodeServer } from './code-server';
import { expectedSummary, paintedPixels, summaryDetail, violinCharts, waitForSummary } from './report-panel';
import { waitFor } from './wait';
import { Workbench } from './workbench';
import { demoWorkspace, type E2eWorkspace } from './workspace';
import { packageExtension } from './vsix';
import { artifactsDir, repoRoot } from './paths';
import { zipEntries } from '../fixtures/zip';

const checkCommand = 'Robustness Lens: Check Random vs Adversarial Robustness';
const imagesPerClass = 4;

const scratch = mkdtempSync(join(tmpdir(), 'robustness-lens-e2e-'));
const vsixPath = join(scratch, 'robustness-lens.vsix');
let server: CodeServer | null = null;
let workbench: Workbench | null = null;
let workspace: E2eWorkspace | null = null;
let failed = false;

function ws(): E2eWorkspace {
  if (!workspace) throw new Error('the workspace was not created');
  return workspace;
}

function runsDir(): string {
  return join(ws().folder, '.robustness');
}

function runFolders(): string[] {
  return existsSync(runsDir()) ? readdirSync(runsDir()).sort() : [];
}

function readReport(runId: string): Report {
  return JSON.parse(readFileSync(join(runsDir(), runId, 'report.json'), 'utf8')) as Report;
}

function jsonlLines(runId: string): number {
  const path = join(runsDir(), runId, 'images.jsonl');
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '').length;
}

/** The workbench, which `before` opened. */
function wb(): Workbench {
  if (!workbench) throw new Error('the workbench did not open');
  return workbench;
}

/** Runs the check from the palette and answers its pickers; returns the new run's id once its folder appears. */
async function startCheck(preset: string): Promise<string> {
  const before = new Set(runFolders());
  await wb().runCommand(checkCommand);
  await wb().pick(/Robustness Lens: model/, 'model/model.json');
  await wb().pick(/Robustness Lens: dataset folder/, /^data$/);
  await wb().pick(/Robustness Lens: preset/, preset);
  return waitFor('the run folder in .robustness/', () => runFolders().find((id) => !before.has(id)), 60_000);
}

describe('Robustness Lens in real VS Code (code-server + Chromium)', { timeout: 8 * 60_000 }, () => {
  before(async () => {
    try {
      rmSync(artifactsDir, { recursive: true, force: true });
      mkdirSync(artifactsDir, { recursive: true });
      packageExtension(vsixPath);
      const root = join(scratch, 'code-server');
      server = new CodeServer(setupCodeServer(), root, join(artifactsDir, 'code-server.log'));
      server.installExtension(vsixPath);
      const folder = join(scratch, 'workspace');
      workspace = demoWorkspace(folder, imagesPerClass);
      // One worker leaves a core to the browser and code-server on a 2-core CI machine.
      mkdirSync(join(folder, '.vscode'), { recursive: true });
      writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'robustnessLens.workers': 1 }, null, 2));
      await server.start();
      workbench = await Workbench.launch(join(scratch, 'chromium'), server.env);
      await workbench.open(server.url, folder, { expectTrustPrompt: true });
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  after(async () => {
    if (failed && workbench) await workbench.screenshot('failure').catch(() => undefined);
    await workbench?.close().catch(() => undefined);
    await server?.stop();
    // VS Code's own logs (extension host, the Robustness Lens output channel) and, after a
    // failure, the runs' files: the artifacts that explain a red CI run.
    if (server && existsSync(join(server.userDataDir, 'logs'))) cpSync(join(server.userDataDir, 'logs'), join(artifactsDir, 'logs'), { recursive: true });
    if (failed && workspace && existsSync(runsDir())) cpSync(runsDir(), join(artifactsDir, 'runs'), { recursive: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  const step = (name: string, body: () => Promise<void> | void) =>
    it(name, async () => {
      try {
        await body();
      } catch (error) {
        failed = true;
        throw error;
      }
    });

  step('packages a .vsix with the bundles, wasm binaries, media and this platform\'s ONNX Runtime, without sources or other node_modules', () => {
    const files = zipEntries(vsixPath).filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
    const onnxBinaries = `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/`;
    for (const needed of ['package.json', 'dist/extension.js', 'dist/worker.js', 'dist/webview.js', 'dist/webview.css', 'dist/tfjs-backend-wasm.wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'media/icon.png', 'media/demo/model/model.json', 'node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-common/dist/cjs/index.js', `${onnxBinaries}onnxruntime_binding.node`]) {
      assert.ok(files.includes(needed), `${needed} is missing from the .vsix`);
    }
    const unwanted = files.filter(
      (f) =>
        /^(src|test|scripts|webview|\.ci|\.vscode)\//.test(f) ||
        (f.startsWith('node_modules/onnxruntime-') && !/^node_modules\/onnxruntime-(node|common)\/(package\.json|dist\/)/.test(f) && !f.startsWith(onnxBinaries)) ||
        // sharp (image decoding) ships with this platform's addon and libvips only, as test/extension/packaging.test.ts checks in detail.
        (f.startsWith('node_modules/@img/sharp-') && !f.startsWith(`node_modules/@img/sharp-${process.platform}-${process.arch}/`) && !f.startsWith(`node_modules/@img/sharp-libvips-${process.platform}-${process.arch}/`)) ||
        (f.startsWith('node_modules/') && !/^node_modules\/(onnxruntime-(node|common)|sharp|@img\/(colour|sharp-[^/]+)|detect-libc|semver)\//.test(f)) ||
        f.endsWith('.map') ||
        f.endsWith('.ts'),
    );
    assert.deepEqual(unwanted, [], 'the .vsix holds development files, install scripts or other platforms\' binaries');
  });

  let firstRun = '';

  step('runs the check from the palette, shows progress, then the report panel', async () => {
    firstRun = await startCheck('Quick look');
    // workspace/model/model.json and workspace/data: the model's file and folder names are generic, so runs go by the folder above.
    const progress = wb().notification('Robustness Lens: workspace on data');
    await progress.waitFor({ state: 'visible', timeout: 60_000 });
    await wb().screenshot('progress');
    await progress.waitFor({ state: 'hidden', timeout: 180_000 });

    const report = readReport(firstRun);
    assert.equal(report.status, 'complete');
    // The status bar names the backend the workers ran on (the workspace asks for one worker).
    await wb().page.locator('.statusbar-item', { hasText: `Robustness: ${report.config.backend} ×1` }).waitFor({ state: 'visible' });
    assert.equal(report.images.length, ws().imageCount);
    assert.equal(jsonlLines(firstRun), ws().imageCount);

    const panel = wb().webview();
    await panel.locator('[data-testid="run-status"]', { hasText: 'complete' }).waitFor({ state: 'visible' });
    await waitForSummary(panel, expectedSummary(report));
    assert.equal(await summaryDetail(panel, 'summary-accuracy'), `${report.summary.correct} of ${report.summary.images} images`);
    assert.ok(report.summary.adversarial.susceptible > 0, 'the demo run should find adversarial examples');

    // The README's picture of the panel: the whole window width for the report.
    await wb().runCommand('View: Close Primary Side Bar');
    await wb().page.locator('.part.sidebar').waitFor({ state: 'hidden' });
    await wb().screenshot('panel');
    mkdirSync(join(repoRoot, 'docs', 'screenshots'), { recursive: true });
    cpSync(join(artifactsDir, 'panel.png'), join(repoRoot, 'docs', 'screenshots', 'e2e-panel.png'));

    const hasRandomFlip = report.images.some((image) => image.random.some((r) => r.minFlip !== null));
    const drawn = [...violinCharts.adversarial, ...(hasRandomFlip ? violinCharts.random : [])];
    for (const chart of drawn) {
      await panel.locator(`canvas[data-testid="${chart}"]`).scrollIntoViewIfNeeded();
      const painted = await waitFor(`pixels on ${chart}`, async () => ((await paintedPixels(panel, chart)) > 0 ? paintedPixels(panel, chart) : undefined));
      assert.ok(painted > 200, `${chart} has only ${painted} painted pixels`);
    }
    await panel.locator('#norms').scrollIntoViewIfNeeded();
    await wb().screenshot('panel-charts');

    const grid = panel.locator('[data-testid="image-grid"]');
    await grid.scrollIntoViewIfNeeded();
    assert.equal(await grid.getAttribute('aria-rowcount'), String(report.images.length + 1));
    assert.equal((await panel.locator('[data-testid="row-count"]').textContent())?.trim(), `${report.images.length} images`);
    const rowFiles = await grid.locator('.rl-row[data-file]:not([hidden])').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-file')));
    assert.deepEqual([...rowFiles].sort(), report.images.map((image) => image.file).sort());
    await wb().screenshot('panel-images');

    const susceptible = report.images.find((image) => image.adversarial !== null);
    assert.ok(susceptible);
    await grid.locator(`.rl-row[data-file="${susceptible.file}"]`).click();
    const detail = panel.locator('[data-testid="detail"]');
    await detail.locator('[data-testid="detail-file"]', { hasText: susceptible.file }).waitFor({ state: 'visible' });
    await waitFor('the four pictures of the detail view', async () => ((await detail.locator('[data-testid="detail-image"]').count()) === 4 ? true : undefined), 60_000);
    await detail.scrollIntoViewIfNeeded();
    await wb().screenshot('detail');
  });

  let cancelledRun = '';

  step('cancel mid-run keeps the finished images', async () => {
    const runId = await startCheck('Paper protocol');
    cancelledRun = runId;
    const progress = wb().notification('Robustness Lens: workspace on data');
    await progress.waitFor({ state: 'visible', timeout: 60_000 });
    await waitFor('a first finished image', () => (jsonlLines(runId) > 0 ? true : undefined), 120_000);
    await progress.hover();
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await progress.waitFor({ state: 'hidden', timeout: 60_000 });
    const report = await waitFor('report.json of the cancelled run', () => (existsSync(join(runsDir(), runId, 'report.json')) ? readReport(runId) : undefined));
    assert.equal(report.status, 'cancelled');
    const kept = jsonlLines(runId);
    assert.ok(kept > 0, 'images.jsonl keeps the finished images');
    assert.ok(kept < ws().imageCount, `the run was cancelled after all ${ws().imageCount} images`);
    assert.equal(report.images.length, kept);
    await wb().notification(/run stopped/).waitFor({ state: 'visible' });
    const panel = wb().webview();
    await panel.locator('[data-testid="run-status"]', { hasText: 'cancelled' }).waitFor({ state: 'visible' });
    assert.equal((await panel.locator('[data-testid="row-count"]').textContent())?.trim(), `${kept} images`);
    await wb().screenshot('cancelled');
  });

  step('lists both runs in the Runs view', async () => {
    const page = wb().page;
    await page.locator('.activitybar .action-item a[aria-label^="Robustness Lens"]').click();
    const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Runs' }) });
    const rows = view.locator('.monaco-list-row', { hasText: 'workspace on data' });
    await waitFor('two runs in the Runs view', async () => ((await rows.count()) === 2 ? true : undefined));
    await view.locator('.monaco-list-row', { hasText: /cancelled/ }).waitFor({ state: 'visible' });
    await wb().screenshot('runs-view');
    // Selecting the finished run brings its report panel to the front.
    await rows.filter({ hasNotText: /cancelled/ }).click();
    await wb().webview().locator('[data-testid="run-status"]', { hasText: 'complete' }).waitFor({ state: 'visible' });
  });

  step('brings both report panels back after a window reload', async () => {
    // Both panels have the same title; the tab order is the order they opened in.
    const tabs = wb().page.locator('.tabs-container .tab', { hasText: 'Robustness: workspace on data' });
    assert.equal(await tabs.count(), 2, 'the finished and the cancelled run each have a panel');
    await wb().reloadWindow();
    await waitFor('two restored panel tabs', async () => ((await tabs.count()) === 2 ? true : undefined), 60_000);
    for (const [tab, runId] of [firstRun, cancelledRun].entries()) {
      const report = readReport(runId);
      await tabs.nth(tab).click();
      const panel = wb().webview();
      await panel.locator('[data-testid="run-status"]', { hasText: report.status ?? 'complete' }).waitFor({ state: 'visible', timeout: 60_000 });
      await waitForSummary(panel, expectedSummary(report));
    }
    await wb().screenshot('after-reload');
  });
});
