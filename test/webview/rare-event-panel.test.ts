/**
 * The rare-event estimates in the standalone report (headless Chromium): the chart on a log axis
 * appears only when the report has estimates, and an image's detail lists each α's interval, its
 * log-axis strip and the sentence in words.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { summarize } from '../../src/engine/statistics';
import type { RareEventResult, Report } from '../../src/protocol/report';
import { rareEventSentence } from '../../src/report/rare-event-text';
import { buildWebview, chromaticPixels, fixtureReport, launchChromium, watchPage, writeStandalone } from './browser';

function estimateFor(alpha: number, index: number): RareEventResult {
  const log10 = -40 / alpha - (index % 5);
  const reached = alpha > 1 || index % 3 !== 0;
  return {
    method: 'ams-pcn',
    reached,
    probability: reached ? 10 ** log10 : null,
    log10Probability: reached ? log10 : null,
    interval: [reached ? 10 ** (log10 - 1.5) : 0, 10 ** (log10 + 1.5)],
    log10Interval: [reached ? log10 - 1.5 : null, log10 + 1.5],
    confidence: 0.95,
    samplesPerFlip: reached ? 10 ** -log10 : null,
    log10SamplesPerFlip: reached ? -log10 : null,
    forwardPasses: 15_000,
    particles: 32,
    levels: 90,
  };
}

function withEstimates(report: Report): Report {
  const images = report.images.map((image, index) => ({ ...image, random: image.random.map((r) => ({ ...r, rareEvent: estimateFor(r.alpha, index) })) }));
  return { ...report, images, summary: summarize(images, report.config.alphas) };
}

describe('rare-event estimates in the report', () => {
  let browser: Browser;
  const plain = fixtureReport();
  const report = withEstimates(plain);

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('draws the log-axis chart only for a report with estimates', async () => {
    const assets = buildWebview();
    for (const [shown, source] of [[true, report], [false, plain]] as const) {
      const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
      const problems = await watchPage(page);
      await page.goto(writeStandalone(source, assets));
      await page.waitForSelector('[data-testid=summary-table]');
      const selector = 'canvas[data-testid="chart-rare-event"]';
      assert.equal(await page.locator(selector).isVisible(), shown);
      if (shown) {
        await page.locator(selector).scrollIntoViewIfNeeded();
        assert.ok((await chromaticPixels(page, selector)) > 300, 'the chart has drawn data');
        const described = await page.$eval(selector, (canvas) => document.getElementById(canvas.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
        assert.match(described, /median estimate/);
      }
      assert.deepEqual(problems.errors, []);
      await page.context().close();
    }
  });

  it('lists each α’s estimate, interval, strip and sentence in the image detail', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    const problems = await watchPage(page);
    await page.goto(writeStandalone(report, buildWebview()));
    await page.waitForSelector('[data-testid=summary-table]');
    const index = report.images.findIndex((image) => image.adversarial !== null);
    const image = report.images[index];
    await page.locator(`.rl-row[data-file="${image.file}"]`).click();
    await page.waitForSelector('[data-testid=detail-rare-sentences]');
    const sentences = await page.locator('[data-testid=detail-rare-sentences] li').allInnerTexts();
    assert.deepEqual(sentences, image.random.map((r) => `${rareEventSentence(r.alpha, r.rareEvent!)}.`));
    assert.equal(await page.locator('[data-testid=detail-rare-event]').count(), image.random.length);
    assert.equal(await page.locator('[data-testid=detail-alpha-table] svg.rl-strip').count(), image.random.length);
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });
});
