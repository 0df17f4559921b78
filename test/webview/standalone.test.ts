/**
 * The standalone report opened straight from a file in headless Chromium: it shows the report's
 * numbers, draws every chart, sorts and filters the table, opens details, exports, restores its
 * view on reload, and requests nothing but its own file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Report } from '../../src/protocol/report';
import { imagesCsv } from '../../src/report/csv';
import { meanStd, percent, rateText } from '../../src/report/format';
import type { ReportAssets } from '../../src/report/standalone';
import { chromaticPixels, columnKeys, fixtureDetails, fixtureReport, launchChromium, renderedRows, tempDir, watchPage, writeStandalone, type PageProblems } from './browser';

/**
 * Picks an option of a vscode-single-select: opens it with a click and clicks the option. The
 * option click is dispatched directly: the dropdown lives in the element's shadow root, where
 * Playwright's viewport check misjudges the list's position.
 */
async function choose(page: Page, testId: string, label: string): Promise<void> {
  await page.locator(`[data-testid=${testId}]`).click();
  await page.locator(`[data-testid=${testId}]`).getByRole('option', { name: label, exact: true }).dispatchEvent('click');
}

const chartIds = ['adversarial-l2', 'adversarial-l1', 'adversarial-linf', 'random-l2', 'random-l1', 'random-linf', 'flip-rate', 'samples-to-flip'];

describe('standalone report', () => {
  let browser: Browser;
  let assets: ReportAssets;
  let url: string;
  const report: Report = fixtureReport();
  const details = fixtureDetails();

  before(async () => {
    const { buildWebview } = await import('./browser');
    assets = buildWebview();
    url = writeStandalone(report, assets, details);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  async function open(colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; problems: PageProblems }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme, acceptDownloads: true });
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(url);
    await page.waitForSelector('[data-testid=summary-table]');
    return { page, problems };
  }

  const text = (page: Page, testId: string) => page.locator(`[data-testid="${testId}"]`).first().innerText();

  it('shows the report’s summary numbers, zero counts as upper bounds', async () => {
    const { page, problems } = await open();
    const s = report.summary;
    assert.equal(await text(page, 'summary-accuracy'), percent(s.accuracy));
    assert.equal(await text(page, 'summary-adversarial'), rateText(s.adversarial.susceptible, s.correct));
    assert.equal(await text(page, 'summary-l2'), meanStd(s.adversarial.l2.mean, s.adversarial.l2.std));
    assert.equal(await text(page, 'summary-l1'), meanStd(s.adversarial.l1.mean, s.adversarial.l1.std));
    assert.equal(await text(page, 'summary-linf'), meanStd(s.adversarial.linf.mean, s.adversarial.linf.std));
    assert.equal(await text(page, 'summary-dimension'), report.config.dimension.toLocaleString('en-US'));
    assert.equal(await text(page, 'summary-classes'), String(report.config.classes.length));
    for (const r of s.random) {
      const shown = await text(page, `summary-random-${r.alpha}`);
      assert.equal(shown, rateText(r.susceptible, s.adversarial.susceptible));
      if (r.susceptible === 0) assert.match(shown, /^<\u00a0[\d.]+\u00a0% at\u00a095\u00a0%$/, 'a zero count is an upper bound');
      assert.equal(await text(page, `summary-flip-rate-${r.alpha}`), rateText(r.flips, r.trials));
    }
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('draws every violin and the theory charts (coloured pixels on each canvas)', async () => {
    const { page, problems } = await open();
    for (const id of chartIds) {
      const selector = `canvas[data-testid="chart-${id}"]`;
      await page.locator(selector).scrollIntoViewIfNeeded();
      const pixels = await chromaticPixels(page, selector);
      assert.ok(pixels > 300, `chart ${id} has drawn data (${pixels} coloured pixels)`);
      const label = await page.getAttribute(selector, 'aria-label');
      const described = await page.$eval(selector, (canvas) => document.getElementById(canvas.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
      assert.ok(label && described.length > 20, `chart ${id} has an accessible name and a text summary`);
    }
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('sorts the table by clicking a header and with the keyboard', async () => {
    const { page } = await open();
    const keys = await columnKeys(page);
    const eps = keys.indexOf('eps');
    const header = page.locator('[data-sort-key="eps"]');
    await header.click();
    assert.equal(await page.getAttribute('[role=columnheader]:has([data-sort-key="eps"])', 'aria-sort'), 'ascending');
    const expected = report.images.filter((r) => r.adversarial).map((r) => r.adversarial!.eps).sort((a, b) => a - b);
    let rows = await renderedRows(page);
    const shown = rows.slice(0, 5).map((r) => Number(r.cells[eps]));
    assert.deepEqual(shown, expected.slice(0, 5).map((v) => Number(v.toPrecision(3))));
    await header.focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('[role=columnheader]:has([data-sort-key="eps"])', 'aria-sort'), 'descending');
    rows = await renderedRows(page);
    assert.equal(Number(rows[0].cells[eps]), Number(expected[expected.length - 1].toPrecision(3)));
    await page.context().close();
  });

  it('filters by text, class, correctness and susceptibility', async () => {
    const { page } = await open();
    const count = page.locator('[data-testid=row-count]');
    const needle = report.images[3].file.split('/')[1].slice(0, 4);
    await page.locator('[data-testid=filter-text] input').fill(needle);
    const matching = report.images.filter((r) => r.file.toLowerCase().includes(needle.toLowerCase()));
    await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent?.startsWith(`Showing ${n} of`), matching.length);
    assert.deepEqual((await renderedRows(page)).map((r) => r.file), matching.map((r) => r.file));

    await page.locator('[data-testid=filter-clear]').click();
    assert.equal(await count.innerText(), `${report.images.length} images`);

    const lastClass = report.config.classes.length - 1;
    await choose(page, 'filter-class', report.config.classes[lastClass]);
    const ofClass = report.images.filter((r) => r.label === lastClass);
    assert.equal(await count.innerText(), `Showing ${ofClass.length} of ${report.images.length} images`);

    await choose(page, 'filter-correct', 'Incorrect');
    const wrong = ofClass.filter((r) => !r.correct);
    assert.equal(await count.innerText(), `Showing ${wrong.length} of ${report.images.length} images`);
    assert.deepEqual((await renderedRows(page)).map((r) => r.file), wrong.map((r) => r.file));

    await page.locator('[data-testid=filter-clear]').click();
    await choose(page, 'filter-susceptibility', 'Flipped by a random perturbation');
    const flipped = report.images.filter((r) => r.random.some((x) => x.flips > 0));
    assert.deepEqual((await renderedRows(page)).map((r) => r.file), flipped.map((r) => r.file));
    await page.context().close();
  });

  it('opens the detail with four pictures, and says which details a standalone report lacks', async () => {
    const { page, problems } = await open();
    const withDetail = details[0];
    await page.locator(`.rl-row[data-file="${withDetail.file}"]`).click();
    await page.waitForSelector('[data-testid=detail-image] >> nth=3');
    const images = await page.$$eval('[data-testid=detail-image]', (list) => list.map((img) => ({ complete: (img as HTMLImageElement).complete, width: (img as HTMLImageElement).naturalWidth })));
    assert.equal(images.length, 4);
    for (const image of images) assert.deepEqual(image, { complete: true, width: withDetail.original.width });
    assert.equal(await text(page, 'detail-file'), withDetail.file);
    assert.ok((await renderedRows(page)).find((r) => r.file === withDetail.file)?.selected);

    const embedded = new Set(details.map((d) => d.file));
    const without = report.images.find((r) => r.adversarial && !embedded.has(r.file))!;
    await page.locator('[data-testid=filter-text] input').fill(without.file);
    await page.locator(`.rl-row[data-file="${without.file}"]`).click();
    assert.equal(await text(page, 'detail-note'), `This standalone report embeds details for the first ${details.length} susceptible images only; open the report in VS Code (Robustness Lens) to draw the others.`);
    assert.equal(await page.locator('[data-testid=detail-image]').count(), 0);
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('moves through rows with the keyboard and opens one with Enter', async () => {
    const { page } = await open();
    await page.locator('[data-testid=image-grid]').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.equal(await text(page, 'detail-file'), report.images[2].file);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    assert.equal(await text(page, 'detail-file'), report.images[report.images.length - 1].file);
    await page.context().close();
  });

  it('exports CSV, JSON, a chart PNG and a standalone HTML that opens on its own', async () => {
    const { page, problems } = await open();
    const save = async (testId: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-testid="${testId}"]`).click()]);
      const path = join(tempDir(), download.suggestedFilename());
      await download.saveAs(path);
      return { name: download.suggestedFilename(), bytes: readFileSync(path) };
    };
    const csv = await save('export-csv');
    assert.match(csv.name, /\.csv$/);
    assert.equal(csv.bytes.toString('utf8'), imagesCsv(report));
    const json = await save('export-json');
    assert.deepEqual(JSON.parse(json.bytes.toString('utf8')), report);
    const png = await save('export-png-adversarial-l2');
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const html = await save('export-html');
    const dir = tempDir();
    const copy = join(dir, 'copy.html');
    (await import('node:fs')).writeFileSync(copy, html.bytes);
    const second = await page.context().newPage();
    const secondProblems = await watchPage(second);
    await second.goto(`file://${copy}`);
    await second.waitForSelector('[data-testid=summary-accuracy]');
    assert.equal(await second.locator('[data-testid=summary-accuracy]').innerText(), percent(report.summary.accuracy));
    await second.locator(`.rl-row[data-file="${details[0].file}"]`).click();
    await second.waitForSelector('[data-testid=detail-image] >> nth=3');
    assert.deepEqual(secondProblems.errors, []);
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('restores sort, filter, selection and scroll after a reload', async () => {
    const { page } = await open();
    await page.locator('[data-sort-key="l1"]').click();
    await choose(page, 'filter-susceptibility', 'Adversarially susceptible');
    const target = (await renderedRows(page))[2].file;
    await page.locator(`.rl-row[data-file="${target}"]`).click();
    await page.waitForTimeout(400); // the view is saved at most every 200 ms
    await page.reload();
    await page.waitForSelector('[data-testid=detail-file]');
    assert.equal(await text(page, 'detail-file'), target);
    assert.equal(await page.getAttribute('[role=columnheader]:has([data-sort-key="l1"])', 'aria-sort'), 'ascending');
    assert.equal(await text(page, 'row-count'), `Showing ${report.summary.adversarial.susceptible} of ${report.images.length} images`);
    assert.ok((await renderedRows(page)).find((r) => r.file === target)?.selected);
    await page.context().close();
  });

  it('names what ran the forward passes in the header and the settings, when the report records it', async () => {
    const settingsOf = (page: Page) =>
      page.locator('[data-testid=settings]').evaluate((dl) => Object.fromEntries([...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
    const onnx: Report = { ...report, config: { ...report.config, backend: 'wasm', forward: 'onnxruntime' } };
    const onTfjs: Report = { ...report, config: { ...report.config, backend: 'cpu', forward: 'tfjs' } };
    const expected = [
      { url, subtitle: / · wasm$/, forward: undefined },
      { url: writeStandalone(onnx, assets), subtitle: / · wasm · forward passes on ONNX Runtime$/, forward: 'ONNX Runtime, CPU kernels (gradients on wasm)' },
      { url: writeStandalone(onTfjs, assets), subtitle: / · cpu$/, forward: 'TF.js cpu, like the gradients' },
    ];
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    for (const { url: at, subtitle, forward } of expected) {
      await page.goto(at);
      await page.waitForSelector('[data-testid=summary-table]');
      assert.match(await text(page, 'subtitle'), subtitle);
      const settings = await settingsOf(page);
      assert.equal(settings['Forward passes'], forward);
      assert.equal(Object.keys(settings)[Object.keys(settings).indexOf('Backend') + 1], forward ? 'Forward passes' : 'Input shape');
    }
    await context.close();
  });

  it('loads nothing but its own file, in light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { page, problems } = await open(scheme);
      await page.locator(`.rl-row[data-file="${details[0].file}"]`).click();
      await page.waitForSelector('[data-testid=detail-image] >> nth=3');
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, scheme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(31, 31, 31)');
      assert.deepEqual(problems.requests.filter((r) => !r.startsWith('file://')), []);
      assert.deepEqual(problems.errors, []);
      await page.context().close();
    }
  });
});
