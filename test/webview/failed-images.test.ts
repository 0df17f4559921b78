/**
 * Images a run could not measure (a worker died on them twice, or the model's outputs were not
 * finite) are listed with their reasons in the report page's settings (standalone report.html in
 * headless Chromium), apart from the measured images and the skipped files.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ReportAssets } from '../../src/report/standalone';
import { buildWebview, fixtureReport, launchChromium, watchPage, writeStandalone } from './browser';

describe('failed images in the report page', () => {
  let browser: Browser;
  let assets: ReportAssets;

  before(async () => {
    assets = buildWebview();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('lists each failed image with its reason under Failed images', async () => {
    const report = fixtureReport();
    const [killer, nonFinite] = report.images.splice(0, 2);
    report.config.failed = [
      { file: killer.file, reason: 'the worker analysing it was killed by SIGKILL (2 times, each on a fresh worker)' },
      { file: nonFinite.file, reason: "the model's outputs are not finite (NaN, NaN)" },
    ];
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const problems = await watchPage(page);
    await page.goto(writeStandalone(report, assets));
    await page.waitForSelector('[data-testid=settings] dt');
    const facts = await page.locator('[data-testid=settings]').evaluate((dl) => {
      const terms = [...dl.querySelectorAll('dt')];
      return Object.fromEntries(terms.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']));
    });
    assert.equal(
      facts['Failed images'],
      `2, counted nowhere: ${killer.file} (the worker analysing it was killed by SIGKILL (2 times, each on a fresh worker)); ${nonFinite.file} (the model's outputs are not finite (NaN, NaN))`,
    );
    assert.deepEqual(problems.errors, []);
  });

  it('shows no Failed images line when none failed', async () => {
    const report = fixtureReport();
    report.config.failed = [];
    const page = await (await browser.newContext()).newPage();
    await page.goto(writeStandalone(report, assets));
    await page.waitForSelector('[data-testid=settings] dt');
    const terms = await page.locator('[data-testid=settings] dt').allInnerTexts();
    assert.ok(terms.includes('Input shape') && !terms.includes('Failed images'), terms.join(' | '));
  });
});
