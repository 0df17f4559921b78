/**
 * The universality section of the report page (standalone report.html in headless Chromium):
 * the per-class table with zero counts as upper bounds, the violins of per-source rates, and the
 * reason when the measure was skipped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { summarizeClass, pooledRates } from '../../src/engine/universality';
import type { Report, UniversalityReport, UniversalitySource } from '../../src/protocol/report';
import { rateText } from '../../src/report/format';
import type { ReportAssets } from '../../src/report/standalone';
import { buildWebview, chromaticPixels, fixtureReport, launchChromium, watchPage, writeStandalone } from './browser';

function measured(report: Report): UniversalityReport {
  const susceptible = report.images.filter((image) => image.adversarial !== null);
  const sources: UniversalitySource[] = susceptible.map((image, i) => ({
    file: image.file,
    label: image.label,
    eps: image.adversarial?.eps ?? 0,
    targets: 9,
    flips: i % 4,
    baselineFlips: 0,
  }));
  const labels = [...new Set(sources.map((s) => s.label))].sort();
  const classes = labels.map((label) => summarizeClass(label, report.config.classes[label], 12, 10, sources.filter((s) => s.label === label)));
  return { status: 'measured', targetsPerClass: 10, forced: false, costFraction: 0.034, ...pooledRates(classes), classes, sources };
}

describe('universality section', () => {
  let browser: Browser;
  let assets: ReportAssets;

  before(async () => {
    assets = buildWebview();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function open(report: Report) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(writeStandalone(report, assets));
    await page.waitForSelector('[data-testid=universality-lead]');
    return { page, problems };
  }

  it('shows per class the adversarial and baseline rates (a zero as an upper bound) and draws the violins', async () => {
    const report = fixtureReport();
    report.universality = measured(report);
    const { page, problems } = await open(report);
    const rows = page.locator('[data-testid=universality-table] tbody tr');
    assert.equal(await rows.count(), report.universality.classes.length);
    for (const [i, c] of report.universality.classes.entries()) {
      const cells = await rows.nth(i).locator('th, td').allInnerTexts();
      assert.equal(cells[0], c.name);
      assert.equal(cells[2], '10 of 12');
      assert.equal(cells[4], rateText(c.flips, c.pairs));
      assert.match(cells[5], /^<\u00a0[\d.]+\u00a0% at\u00a095\u00a0%$/, 'no baseline flip: an upper bound, never 0');
    }
    const lead = await page.locator('[data-testid=universality-lead]').innerText();
    assert.match(lead, new RegExp(`flipped ${rateText(report.universality.flips, report.universality.pairs).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} of`));
    assert.match(lead, /3\.40\u00a0% of the run/);
    await page.locator('[data-testid=chart-universality]').scrollIntoViewIfNeeded();
    assert.ok((await chromaticPixels(page, '[data-testid=chart-universality]')) > 50, 'the violins are drawn');
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('says why when the measure was skipped, and hides the table', async () => {
    const report = fixtureReport();
    report.universality = { ...measured(report), status: 'skipped', reason: 'it would cost about 14 % of the run', classes: [], sources: [], pairs: 0, flips: 0 };
    const { page, problems } = await open(report);
    assert.equal(await page.locator('[data-testid=universality-lead]').innerText(), 'Not measured: it would cost about 14 % of the run.');
    assert.equal(await page.locator('[data-testid=universality-table]').isVisible(), false);
    assert.deepEqual(problems.errors, []);
    await page.context().close();
  });

  it('a report without the field (written before it existed) says it was not measured', async () => {
    const report = fixtureReport();
    delete report.universality;
    const { page } = await open(report);
    assert.match(await page.locator('[data-testid=universality-lead]').innerText(), /^Not measured in this run/);
    await page.context().close();
  });
});
