/** The Theory view's simulation of the paper's models, in the standalone report in headless Chromium. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { defaultTheoryParameters } from '../../src/engine/two-balls';
import { buildWebview, chromaticPixels, fixtureReport, launchChromium, watchPage, writeStandalone } from './browser';

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

  it('simulates the chosen model for the chosen parameters and draws measured rates against the bounds', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(url);
    await page.waitForSelector('[data-testid=theory-explorer]');
    await page.fill('[data-testid=theory-epsilon]', '1.5');
    await page.click('[data-testid=theory-simulate]');
    assert.match(await page.locator('[data-testid=theory-sim-status]').innerText(), /Not simulated: ε must be in \[0, 1\)/);
    await page.fill('[data-testid=theory-epsilon]', '0');
    await page.fill('[data-testid=theory-points]', '300');
    await page.selectOption('[data-testid=theory-model]', 'two-half-balls');
    await page.click('[data-testid=theory-simulate]');
    assert.match(await page.locator('[data-testid=theory-sim-status]').innerText(), /^300 points and 100 random perturbations per dimension/);
    const rows = page.locator('[data-testid=theory-sim-table] tbody tr');
    assert.equal(await rows.count(), defaultTheoryParameters.dimensions.length);
    const last = await rows.nth(defaultTheoryParameters.dimensions.length - 1).locator('th, td').allInnerTexts();
    assert.equal(last[0], '5,000');
    assert.equal(last[1], '100.00 % (100.00 %)', 'half-balls are always classified correctly');
    assert.equal(last[4], '—', 'no universality for the half-balls');
    await page.locator('[data-testid=chart-theory-simulation]').scrollIntoViewIfNeeded();
    assert.ok((await chromaticPixels(page, '[data-testid=chart-theory-simulation]')) > 50);
    assert.deepEqual(problems.errors, []);
    await context.close();
  });
});
