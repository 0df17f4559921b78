/**
 * The VS Code panel page (panelHtml) in headless Chromium, served from a local origin that plays
 * the webview resource origin, with a fake acquireVsCodeApi: the message protocol with the
 * extension, the Content-Security-Policy, live updates, exports, saved view state, and
 * screenshots in VS Code's light, dark and high-contrast themes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { summarize } from '../../src/engine/statistics';
import type { ExtensionToWebview, WebviewToExtension } from '../../src/protocol/messages';
import type { Report } from '../../src/protocol/report';
import { imagesCsv } from '../../src/report/csv';
import { percent } from '../../src/report/format';
import { panelHtml } from '../../src/report/html';
import { createNonce } from '../../src/report/nonce';
import { buildWebview, chromaticPixels, fixtureDetails, fixtureReport, launchChromium, renderedRows, root, tempDir, watchPage, type PageProblems } from './browser';
import { vsCodeThemes, type ThemeName } from './themes';

const screenshots = join(root, 'docs', 'screenshots');

/** Serves the panel page at / and the bundle under /dist/, as VS Code serves a webview's resources. */
function servePanel(): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    const server = createServer((request, response) => {
      const origin = `http://${request.headers.host}`;
      if (request.url === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(panelHtml({ cspSource: origin, nonce: createNonce(), scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css`, title: 'Robustness report' }));
      } else if (request.url === '/dist/webview.js' || request.url === '/dist/webview.css') {
        response.writeHead(200, { 'content-type': request.url.endsWith('.js') ? 'text/javascript' : 'text/css' });
        response.end(readFileSync(join(root, request.url)));
      } else if (request.url === '/favicon.ico') {
        response.writeHead(204).end(); // the browser asks for it; VS Code's webview host never does
      } else {
        response.writeHead(404).end();
      }
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/**
 * Stands in for VS Code's webview API: records posted messages; keeps state in sessionStorage so
 * it survives a reload. A string, not a function: tsx's name-keeping helpers do not exist in the page.
 */
const fakeVsCodeApi = `
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage(message) { window.__posted.push(message); },
    getState() { return JSON.parse(sessionStorage.getItem('fake-vscode-state') ?? 'null') ?? undefined; },
    setState(state) { sessionStorage.setItem('fake-vscode-state', JSON.stringify(state)); },
  });
`;

function posted(page: Page): Promise<WebviewToExtension[]> {
  return page.evaluate(() => (window as unknown as { __posted: WebviewToExtension[] }).__posted);
}

function send(page: Page, message: ExtensionToWebview): Promise<void> {
  return page.evaluate((m) => window.postMessage(m, '*'), message);
}

async function waitForPosted(page: Page, type: WebviewToExtension['type'], count = 1): Promise<WebviewToExtension[]> {
  await page.waitForFunction(([t, n]) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === t).length >= n, [type, count] as const);
  return (await posted(page)).filter((m) => m.type === type);
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), `waited for ${what}`);
}

async function applyTheme(page: Page, theme: ThemeName): Promise<void> {
  const { kind, variables } = vsCodeThemes[theme];
  await page.evaluate(
    ([kind, variables]) => {
      for (const [name, value] of Object.entries(variables)) document.body.style.setProperty(name, value);
      document.body.classList.add(kind);
      document.body.dataset.vscodeThemeKind = kind;
    },
    [kind, variables] as const,
  );
}

describe('VS Code panel page', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  const report: Report = fixtureReport();
  const details = fixtureDetails();

  before(async () => {
    buildWebview();
    ({ server, origin } = await servePanel());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(viewport = { width: 1400, height: 1000 }): Promise<{ page: Page; problems: PageProblems }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.addInitScript({ content: fakeVsCodeApi });
    await page.goto(`${origin}/`);
    await waitForPosted(page, 'ready');
    return { page, problems };
  }

  it('posts ready, shows the report it is sent, and breaks no CSP rule', async () => {
    const { page, problems } = await open();
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await send(page, { type: 'report', report });
    await page.waitForSelector('[data-testid=summary-accuracy]');
    assert.equal(await page.locator('[data-testid=summary-accuracy]').innerText(), percent(report.summary.accuracy));
    for (const id of ['adversarial-l2', 'random-linf', 'flip-rate']) {
      await page.locator(`canvas[data-testid="chart-${id}"]`).scrollIntoViewIfNeeded();
      assert.ok((await chromaticPixels(page, `canvas[data-testid="chart-${id}"]`)) > 300, `chart ${id} drawn`);
    }
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests.filter((r) => !r.startsWith(origin)), [], 'nothing but the webview origin');

    // The policy is live: a script without the nonce is refused (and reported, so the checks above can see a violation).
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.appendChild(script);
    });
    await page.waitForFunction(() => document.readyState === 'complete');
    assert.equal(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected), undefined);
    await waitFor(() => problems.errors.some((e) => e.startsWith('CSP: script-src')), `a reported violation (${problems.errors.join(' | ')})`);
    await page.context().close();
  });

  it('asks the extension for a detail and shows its four pictures, or its error', async () => {
    const { page, problems } = await open();
    await send(page, { type: 'report', report });
    const detail = details[1];
    await page.locator(`.rl-row[data-file="${detail.file}"]`).click();
    const requests = await waitForPosted(page, 'requestDetail');
    assert.deepEqual(requests, [{ type: 'requestDetail', file: detail.file }]);
    await send(page, { type: 'detail', file: detail.file, detail });
    await page.waitForSelector('[data-testid=detail-image] >> nth=3');
    assert.equal(await page.locator('[data-testid=detail-image]').count(), 4);

    const other = report.images.find((r) => r.adversarial && !details.some((d) => d.file === r.file))!;
    await page.locator('[data-testid=filter-text] input').fill(other.file);
    await page.locator(`.rl-row[data-file="${other.file}"]`).click();
    await waitForPosted(page, 'requestDetail', 2);
    await send(page, { type: 'detail', file: other.file, detail: null, error: 'the worker stopped' });
    await page.waitForSelector('[data-testid=detail-note]');
    assert.equal(await page.locator('[data-testid=detail-note]').innerText(), 'the worker stopped');

    await page.locator('[data-testid=detail-open]').click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'openImage', file: other.file });
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('takes live updates at 10 000 rows and still scrolls (the update cost is printed, not asserted)', async (t) => {
    const { page, problems } = await open();
    const many = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => {
        const base = report.images[(from + i) % report.images.length];
        return { ...base, file: `bulk/${String(from + i).padStart(6, '0')}.png`, index: from + i };
      });
    const rows = 10_000;
    const updates = 200;
    const first = many(rows);
    await send(page, { type: 'report', report: { ...report, images: first, summary: summarize(first, report.config.alphas), status: 'running' } });
    await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent === `${n.toLocaleString('en-US')} images`, rows);
    const streamed = many(updates, rows);
    const all = [...first];
    const messages = streamed.map((record, i) => {
      all.push(record);
      return { type: 'image' as const, record, summary: summarize(all, report.config.alphas), done: rows + i + 1, total: rows + updates };
    });
    // Posted one per task, as the extension's postMessage delivers them; timed until the table shows the last and a frame is drawn.
    const elapsedMs = await page.evaluate(async ({ batch, expected }) => {
      const start = performance.now();
      for (const message of batch) window.postMessage(message, '*');
      while (document.querySelector('[data-testid=row-count]')?.textContent !== expected) await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
      return performance.now() - start;
    }, { batch: messages, expected: `${(rows + updates).toLocaleString('en-US')} images` });
    t.diagnostic(`panel: ${updates} live updates at ${rows} rows took ${elapsedMs.toFixed(0)} ms, ${(elapsedMs / updates).toFixed(2)} ms per update`);
    const grid = page.locator('[data-testid=image-grid]');
    await grid.evaluate((element) => (element.scrollTop = element.scrollHeight / 2));
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.rl-grid-body .rl-row:not([hidden])')).some((r) => Number(r.getAttribute('aria-rowindex')) > 4000));
    assert.ok((await page.locator('.rl-grid-body .rl-row').count()) < 100, 'the table stays virtual');
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('fills in live as images arrive, then takes the final report', async () => {
    const { page, problems } = await open();
    const running: Report = { ...report, images: [], summary: summarize([], report.config.alphas), status: 'running' };
    await send(page, { type: 'report', report: running });
    await page.waitForSelector('[data-testid=summary-accuracy]');
    assert.equal(await page.locator('[data-testid=row-count]').innerText(), '0 images');
    assert.equal(await page.locator('[data-testid=headline]').innerText(), 'Nothing measured yet: waiting for the first image.');
    assert.equal(await page.locator('[data-testid=card-accuracy]').innerText(), '—', 'no "0 %" before the first image');
    assert.ok(await page.locator('[data-chart=adversarial-l2] .rl-chart-empty').isVisible(), 'an empty chart says so instead of drawing axes');
    for (let done = 1; done <= report.images.length; done++) {
      const images = report.images.slice(0, done);
      await send(page, { type: 'image', record: report.images[done - 1], summary: summarize(images, report.config.alphas), done, total: report.images.length });
    }
    const final = summarize(report.images, report.config.alphas);
    await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent === `${n} images`, report.images.length);
    await page.waitForFunction((text) => document.querySelector('[data-testid=summary-accuracy]')?.textContent === text, percent(final.accuracy));
    assert.equal(await page.locator('[data-testid=run-status]').innerText(), `running ${report.images.length} / ${report.images.length}`);
    await page.locator('canvas[data-testid="chart-adversarial-l2"]').scrollIntoViewIfNeeded();
    assert.ok((await chromaticPixels(page, 'canvas[data-testid="chart-adversarial-l2"]')) > 300, 'the chart drew the streamed images');
    await send(page, { type: 'report', report });
    await page.waitForFunction(() => document.querySelector('[data-testid=run-status]')?.textContent === 'complete');
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('sends exports to the extension and says where they went', async () => {
    const { page, problems } = await open();
    await send(page, { type: 'report', report });
    await page.locator('[data-testid=export-csv]').click();
    const [csv] = await waitForPosted(page, 'export');
    assert.deepEqual(csv, { type: 'export', format: 'csv', suggestedName: 'robustness-demo-images.csv', content: imagesCsv(report) });
    await send(page, { type: 'exported', format: 'csv', path: '/work/out/images.csv' });
    await page.waitForFunction(() => document.querySelector('[data-testid=notice]')?.textContent === 'Saved to /work/out/images.csv');

    await page.locator('[data-testid=export-png-random-l2]').click();
    const png = (await waitForPosted(page, 'export', 2))[1] as Extract<WebviewToExtension, { type: 'export' }>;
    assert.equal(png.format, 'png');
    assert.match(png.content, /^data:image\/png;base64,/);

    await page.locator('[data-testid=export-html]').click();
    const html = (await waitForPosted(page, 'export', 3))[2] as Extract<WebviewToExtension, { type: 'export' }>;
    assert.equal(html.format, 'html');
    await send(page, { type: 'exported', format: 'html', path: null, error: 'disk full' });
    await page.waitForFunction(() => document.querySelector('[data-testid=notice]')?.textContent === 'Export failed: disk full');

    // The exported page is a working standalone report.
    const file = join(tempDir(), 'exported.html');
    writeFileSync(file, html.content);
    const standalone = await page.context().newPage();
    const standaloneProblems = await watchPage(standalone);
    await standalone.goto(`file://${file}`);
    await standalone.waitForSelector('[data-testid=summary-accuracy]');
    assert.equal(await standalone.locator('[data-testid=summary-accuracy]').innerText(), percent(report.summary.accuracy));
    assert.deepEqual(standaloneProblems.requests.filter((r) => !r.startsWith('file://')), []);
    assert.deepEqual(standaloneProblems.errors, []);
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('keeps sort, filter, selection and scroll across a reload (getState/setState)', async () => {
    const { page } = await open();
    await send(page, { type: 'report', report });
    await page.locator('[data-sort-key="flips:10"]').click();
    await page.locator('[data-sort-key="flips:10"]').click();
    const target = (await renderedRows(page))[1].file;
    await page.locator(`.rl-row[data-file="${target}"]`).click();
    await page.waitForTimeout(400); // the view is saved at most every 200 ms
    await page.reload();
    await waitForPosted(page, 'ready');
    await send(page, { type: 'report', report });
    await page.waitForSelector('[data-testid=detail-file]');
    assert.equal(await page.locator('[data-testid=detail-file]').innerText(), target);
    assert.equal(await page.getAttribute('[role=columnheader]:has([data-sort-key="flips:10"])', 'aria-sort'), 'descending');
    assert.deepEqual(await waitForPosted(page, 'requestDetail'), [{ type: 'requestDetail', file: target }]);
    await page.context().close();
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`takes its colours from VS Code’s ${theme} theme (screenshot docs/screenshots/panel-${theme}.png)`, async () => {
      const { page, problems } = await open({ width: 1360, height: 900 });
      await applyTheme(page, theme);
      await send(page, { type: 'report', report });
      const detail = details[0];
      await page.locator(`.rl-row[data-file="${detail.file}"]`).click();
      await waitForPosted(page, 'requestDetail');
      await send(page, { type: 'detail', file: detail.file, detail });
      await page.waitForSelector('[data-testid=detail-image] >> nth=3');
      const colours = await page.evaluate(() => ({ background: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color }));
      const expected = await page.evaluate(
        ([bg, fg]) => {
          const probe = document.createElement('div');
          probe.style.backgroundColor = bg;
          probe.style.color = fg;
          document.body.appendChild(probe);
          const style = getComputedStyle(probe);
          const out = { background: style.backgroundColor, text: style.color };
          probe.remove();
          return out;
        },
        [vsCodeThemes[theme].variables['--vscode-editor-background'], vsCodeThemes[theme].variables['--vscode-foreground']] as const,
      );
      assert.deepEqual(colours, expected);
      await page.evaluate(() => window.scrollTo(0, 0));
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, `panel-${theme}.png`), fullPage: true });
      assert.deepEqual(problems.errors, []);
      await page.context().close();
    });
  }
});
