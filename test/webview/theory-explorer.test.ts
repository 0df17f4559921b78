/**
 * The Theory view's simulation of the paper's models in headless Chromium. Standalone: run in a
 * blob: Web Worker under the page's CSP (nothing fetched), a newer Simulate terminating the worker
 * still busy with an older one (a refused one too), and bad parameters named in one line. In the VS
 * Code panel: asked of the extension (simulateTheory, refused requests included, so the extension
 * stops a stale simulation), the answer to the latest request drawn, an error in one line.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page, Worker } from 'playwright-core';
import { defaultTheoryParameters, simulateTheory, theorem20Bound, theorem20Limit } from '../../src/engine/two-balls';
import type { ExtensionToWebview, WebviewToExtension } from '../../src/protocol/messages';
import { percent } from '../../src/report/format';
import { panelHtml } from '../../src/report/html';
import { createNonce } from '../../src/report/nonce';
import { buildWebview, chromaticPixels, fixtureReport, launchChromium, root, watchPage, writeStandalone } from './browser';

describe('theory explorer', () => {
  let browser: Browser;
  let url: string;
  before(async () => {
    url = writeStandalone(fixtureReport(), buildWebview());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('simulates the chosen model in a Web Worker and draws measured rates against the bounds, Theorem 20 included', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    const workers: Worker[] = [];
    page.on('worker', (worker) => workers.push(worker));
    await page.goto(url);
    await page.waitForSelector('[data-testid=theory-explorer]');
    await page.fill('[data-testid=theory-epsilon]', '1.5');
    await page.click('[data-testid=theory-simulate]');
    assert.match(await page.locator('[data-testid=theory-sim-status]').innerText(), /^Not simulated: ε must be in \[0, 1\), got 1\.5\.$/);
    await page.fill('[data-testid=theory-epsilon]', '0');
    await page.fill('[data-testid=theory-dimensions]', '2, 50, x');
    await page.click('[data-testid=theory-simulate]');
    assert.match(await page.locator('[data-testid=theory-sim-status]').innerText(), /^Not simulated: dimensions must be whole numbers/);
    assert.equal(workers.length, 0, 'bad parameters never reach the worker');

    await page.fill('[data-testid=theory-dimensions]', defaultTheoryParameters.dimensions.join(', '));
    await page.fill('[data-testid=theory-points]', '300');
    await page.selectOption('[data-testid=theory-model]', 'two-half-balls');
    await page.click('[data-testid=theory-simulate]');
    await page.waitForFunction(() => /^300 points/.test(document.querySelector('[data-testid=theory-sim-status]')?.textContent ?? ''));
    assert.equal(await page.locator('[data-testid=theory-sim-status]').innerText(), `300 points and 100 random perturbations per dimension, seed 0. Theorem 20: random flips stay at least ${percent(theorem20Limit(0.5))} as d → ∞.`);
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'false');
    assert.equal(workers.length, 1);
    assert.match(workers[0].url(), /^blob:/);

    const rows = page.locator('[data-testid=theory-sim-table] tbody tr');
    assert.equal(await rows.count(), defaultTheoryParameters.dimensions.length);
    const last = await rows.nth(defaultTheoryParameters.dimensions.length - 1).locator('th, td').allInnerTexts();
    assert.equal(last[0], '5,000');
    assert.equal(last[1], `${percent(1)} (≥ ${percent(1)})`, 'half-balls are always classified correctly');
    assert.ok(last[3].endsWith(` (≤ ${percent(0.5)}, ≥ ${percent(theorem20Bound(0.5, 5000))})`), `Theorem 19 above, Theorem 20 below: ${last[3]}`);
    assert.equal(last[4], '—', 'no universality for the half-balls');
    await page.locator('[data-testid=chart-theory-simulation]').scrollIntoViewIfNeeded();
    assert.ok((await chromaticPixels(page, '[data-testid=chart-theory-simulation]')) > 50);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests.filter((r) => !r.startsWith('file:') && !r.startsWith('blob:')), [], 'nothing from the network');
    await context.close();
  });

  it('a newer Simulate terminates the worker still running an older one and draws only the newer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    const workers: Worker[] = [];
    const closed: Worker[] = [];
    page.on('worker', (worker) => {
      workers.push(worker);
      worker.on('close', () => closed.push(worker));
    });
    await page.goto(url);
    await page.waitForSelector('[data-testid=theory-explorer]');
    // Minutes of sampling: it only ends when the next request replaces it.
    await page.fill('[data-testid=theory-points]', '100000');
    await page.fill('[data-testid=theory-perturbations]', '10000');
    await page.fill('[data-testid=theory-dimensions]', '100000');
    await page.click('[data-testid=theory-simulate]');
    assert.match(await page.locator('[data-testid=theory-sim-status]').innerText(), /^Simulating 1 dimension off the page’s thread…$/);
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'true');
    // The page stays responsive while the worker samples: it takes the next parameters at once.
    await page.fill('[data-testid=theory-points]', '200');
    await page.fill('[data-testid=theory-perturbations]', '10');
    await page.fill('[data-testid=theory-dimensions]', '3, 30');
    await page.click('[data-testid=theory-simulate]');
    await page.waitForFunction(() => /^200 points/.test(document.querySelector('[data-testid=theory-sim-status]')?.textContent ?? ''));
    assert.equal(await page.locator('[data-testid=theory-sim-table] tbody tr').count(), 2);
    assert.equal(workers.length, 2, 'a fresh worker for the newer request');
    for (let wait = 0; wait < 200 && !closed.includes(workers[0]); wait++) await page.waitForTimeout(25);
    assert.ok(closed.includes(workers[0]), 'the busy worker was terminated');
    assert.deepEqual(page.workers(), [workers[1]]);
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'false');
    assert.deepEqual(problems.errors, []);
    await context.close();
  });

  it('a Simulate the page refuses terminates the worker still running an older one, and starts none', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    const workers: Worker[] = [];
    const closed: Worker[] = [];
    page.on('worker', (worker) => {
      workers.push(worker);
      worker.on('close', () => closed.push(worker));
    });
    await page.goto(url);
    await page.waitForSelector('[data-testid=theory-explorer]');
    await page.fill('[data-testid=theory-points]', '100000');
    await page.fill('[data-testid=theory-perturbations]', '10000');
    await page.fill('[data-testid=theory-dimensions]', '100000');
    await page.click('[data-testid=theory-simulate]');
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'true');
    for (let wait = 0; wait < 200 && workers.length === 0; wait++) await page.waitForTimeout(25);
    assert.equal(workers.length, 1);
    await page.fill('[data-testid=theory-epsilon]', '1.5');
    await page.click('[data-testid=theory-simulate]');
    assert.equal(await status(page), 'Not simulated: ε must be in [0, 1), got 1.5.');
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'false');
    for (let wait = 0; wait < 200 && !closed.includes(workers[0]); wait++) await page.waitForTimeout(25);
    assert.ok(closed.includes(workers[0]), 'the stale simulation’s worker was terminated');
    assert.equal(workers.length, 1, 'no worker for the refused request');
    assert.deepEqual(page.workers(), []);
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});

/** The panel page and its bundle from a local origin, as VS Code serves a webview's resources. */
function servePanel(): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    const server = createServer((request, response) => {
      const origin = `http://${request.headers.host}`;
      if (request.url === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(panelHtml({ cspSource: origin, nonce: createNonce(), scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/dist/webview.css` }));
      } else if (request.url === '/dist/webview.js' || request.url === '/dist/webview.css') {
        response.writeHead(200, { 'content-type': request.url.endsWith('.js') ? 'text/javascript' : 'text/css' });
        response.end(readFileSync(join(root, request.url)));
      } else response.writeHead(request.url === '/favicon.ico' ? 204 : 404).end();
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/** VS Code's webview API, recording what the page posts. A string: tsx's helpers do not exist in the page. */
const fakeVsCodeApi = `
  window.__posted = [];
  window.acquireVsCodeApi = () => ({ postMessage(message) { window.__posted.push(message); }, getState() { return undefined; }, setState() {} });
`;

async function theoryRequests(page: Page, count: number): Promise<Extract<WebviewToExtension, { type: 'simulateTheory' }>[]> {
  await page.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'simulateTheory').length >= n, count);
  const posted = await page.evaluate(() => (window as unknown as { __posted: WebviewToExtension[] }).__posted);
  return posted.filter((m): m is Extract<WebviewToExtension, { type: 'simulateTheory' }> => m.type === 'simulateTheory');
}

const send = (page: Page, message: ExtensionToWebview) => page.evaluate((m) => window.postMessage(m, '*'), message);
const status = (page: Page) => page.locator('[data-testid=theory-sim-status]').innerText();

describe('theory explorer in the VS Code panel', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  before(async () => {
    buildWebview();
    ({ server, origin } = await servePanel());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  it("asks the extension, draws only the latest request's answer, and shows its error in one line", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    const workers: Worker[] = [];
    page.on('worker', (worker) => workers.push(worker));
    await page.addInitScript({ content: fakeVsCodeApi });
    await page.goto(`${origin}/`);
    await send(page, { type: 'report', report: fixtureReport() });
    await page.waitForSelector('[data-testid=theory-explorer]');
    await page.fill('[data-testid=theory-dimensions]', '4, 40');
    await page.click('[data-testid=theory-simulate]');
    await page.fill('[data-testid=theory-dimensions]', '4, 40, 400');
    await page.click('[data-testid=theory-simulate]');
    const [older, newer] = await theoryRequests(page, 2);
    assert.deepEqual(older.parameters.dimensions, [4, 40]);
    assert.deepEqual(newer.parameters.dimensions, [4, 40, 400]);
    assert.ok(newer.requestId > older.requestId);

    await send(page, { type: 'theory', requestId: older.requestId, rows: simulateTheory(older.parameters) });
    assert.match(await status(page), /^Simulating 3 dimensions/, 'an older answer is not drawn');
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'true');
    await send(page, { type: 'theory', requestId: newer.requestId, rows: simulateTheory(newer.parameters) });
    await page.waitForFunction(() => /^1,000 points/.test(document.querySelector('[data-testid=theory-sim-status]')?.textContent ?? ''));
    assert.equal(await page.locator('[data-testid=theory-sim-table] tbody tr').count(), 3);

    await page.click('[data-testid=theory-simulate]');
    const [, , third] = await theoryRequests(page, 3);
    await send(page, { type: 'theory', requestId: third.requestId, rows: null, error: "the simulation's worker process stopped: it exited (SIGKILL)" });
    await page.waitForFunction(() => /^Not simulated/.test(document.querySelector('[data-testid=theory-sim-status]')?.textContent ?? ''));
    assert.equal(await status(page), "Not simulated: the simulation's worker process stopped: it exited (SIGKILL).");
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'false');

    // A refused Simulate still reaches the extension, which stops the running simulation; the page names the problem at once.
    await page.click('[data-testid=theory-simulate]');
    const [, , , fourth] = await theoryRequests(page, 4);
    await page.fill('[data-testid=theory-epsilon]', '1.5');
    await page.click('[data-testid=theory-simulate]');
    const [, , , , refused] = await theoryRequests(page, 5);
    assert.equal(refused.parameters.epsilon, 1.5);
    assert.equal(await status(page), 'Not simulated: ε must be in [0, 1), got 1.5.');
    assert.equal(await page.locator('[data-testid=theory-explorer]').getAttribute('aria-busy'), 'false');
    await send(page, { type: 'theory', requestId: fourth.requestId, rows: simulateTheory(fourth.parameters) });
    await send(page, { type: 'theory', requestId: refused.requestId, rows: null, error: 'ε must be in [0, 1), got 1.5' });
    assert.equal(await status(page), 'Not simulated: ε must be in [0, 1), got 1.5.', 'the stale answer is not drawn');
    assert.equal(workers.length, 0, 'in VS Code the extension simulates, not the page');
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
