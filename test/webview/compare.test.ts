/** compare.html in headless Chromium: the title, the summary table with deltas, and both charts drawn. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { compareReports } from '../../src/engine/compare';
import { summarize } from '../../src/engine/statistics';
import type { Report } from '../../src/protocol/report';
import { standaloneCompareHtml } from '../../src/report/compare-page';
import { deltaText, measureText } from '../../webview/views/compare';
import { buildWebview, chromaticPixels, fixtureReport, launchChromium, tempDir, watchPage } from './browser';

function halved(report: Report): Report {
  const images = report.images.map((image) => (image.adversarial ? { ...image, adversarial: { ...image.adversarial, eps: image.adversarial.eps / 2, l2: image.adversarial.l2 / 2 } } : image));
  return { ...report, images, summary: summarize(images, report.config.alphas) };
}

describe('compare page', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('shows both runs’ Table 1 with deltas and draws the overlaid violins and the per-image ratios', async () => {
    const a = fixtureReport();
    const compare = compareReports({ report: a, source: '/runs/a/report.json', name: 'baseline' }, { report: halved(a), source: '/runs/b/report.json', name: 'noisy' }, { name: 'robustness-lens', version: 'test' });
    const file = join(tempDir(), 'compare.html');
    writeFileSync(file, standaloneCompareHtml(compare, buildWebview()));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('[data-testid=compare-table]');
    assert.equal(await page.locator('[data-testid=compare-title]').innerText(), 'baseline vs noisy');
    assert.match(await page.locator('[data-testid=compare-lead]').innerText(), /B’s ε\* is 0\.5× A’s at the median/);
    const rows = page.locator('[data-testid=compare-table] tbody tr');
    assert.equal(await rows.count(), compare.measures.length);
    const median = compare.measures.findIndex((m) => m.key === 'adversarial.l2.median');
    const cells = await rows.nth(median).locator('th, td').allInnerTexts();
    const m = compare.measures[median];
    assert.deepEqual(cells, [m.label, measureText(m, m.a), measureText(m, m.b), deltaText(m)]);
    assert.match(cells[3], /^−[\d.]+ \(−50\.00\u00a0%\)$/);
    for (const id of ['compare-eps', 'compare-ratio']) {
      await page.locator(`[data-testid=chart-${id}]`).scrollIntoViewIfNeeded();
      assert.ok((await chromaticPixels(page, `[data-testid=chart-${id}]`)) > 50, `${id} is drawn`);
    }
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
