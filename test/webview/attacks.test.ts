/**
 * The attack comparison of a `--attack best` report in headless Chromium (standalone report.html):
 * Table 1 per attack with known medians, both charts drawn, the per-attack table columns; and
 * nothing of it for a single-attack report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Report } from '../../src/protocol/report';
import { plainNumber } from '../../src/report/format';
import type { ReportAssets } from '../../src/report/standalone';
import { bestAttackFactors as factors, bestReport, chromaticPixels, columnKeys, fixtureReport, launchChromium, renderedRows, watchPage, writeStandalone } from './browser';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

describe('attack comparison', () => {
  let browser: Browser;
  let assets: ReportAssets;

  before(async () => {
    const { buildWebview } = await import('./browser');
    assets = buildWebview();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  async function open(report: Report): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(writeStandalone(report, assets));
    await page.waitForSelector('[data-testid=summary-table]');
    return { page, errors: problems.errors };
  }

  const text = (page: Page, testId: string) => page.locator(`[data-testid="${testId}"]`).first().innerText();

  it('shows Table 1 per attack, with each attack’s median ε* and its ratio to fgm-line', async () => {
    const report = bestReport();
    const { page, errors } = await open(report);
    assert.ok(await page.locator('[data-testid=attacks-section]').isVisible());
    const susceptible = report.images.filter((r) => r.adversarial);
    const correct = report.images.filter((r) => r.correct).length;
    const original = fixtureReport().images.filter((r) => r.adversarial).map((r) => r.adversarial!.eps);
    assert.equal(await text(page, 'attacks-ddn-rate'), `${((100 * susceptible.length) / correct).toFixed(2)}\u00a0% (${susceptible.length} of ${correct})`);
    assert.equal(await text(page, 'attacks-fgm-line-rate'), `${((100 * (susceptible.length - 1)) / correct).toFixed(2)}\u00a0% (${susceptible.length - 1} of ${correct})`);
    for (const [attack, factor] of Object.entries(factors)) {
      const eps = (attack === 'fgm-line' ? original.slice(1) : original).map((value) => value * factor);
      const shown = Number(await text(page, `attacks-${attack}-median`));
      assert.ok(Math.abs(shown - median(eps)) <= 0.01 * median(eps), `${attack}: median ${shown} vs ${median(eps)}`);
      if (attack !== 'fgm-line') assert.equal(await text(page, `attacks-${attack}-ratio`), `${factor}×`, attack);
    }
    assert.equal(await text(page, 'attacks-ddn-wins'), String(susceptible.length));
    assert.equal(await text(page, 'attacks-fmn-wins'), '0');
    for (const chart of ['attack-eps', 'attack-ratio']) assert.ok((await chromaticPixels(page, `[data-testid=chart-${chart}]`)) > 200, `${chart} is drawn`);
    assert.match(await page.locator('#chart-attack-ratio-summary').innerText(), /ddn: median 0\.5× \(n = \d+\)/);
    assert.match(await text(page, 'settings'), /best \(steps 60, ddnGamma 0\.05, ddnInitEps 1, fmnAlpha 1, fmnAlphaFinal 0\.01, fmnGamma 0\.05, fmnGammaFinal 0\.001\) up to L2 10, ε\* bisected to 1e-4/);
    assert.deepEqual(errors, []);
  });

  it('adds the winner to the image table, each attack’s ε* in its tooltip, and each attack’s ε* and ratio columns behind a labelled toggle', async () => {
    const report = bestReport();
    const { page } = await open(report);
    assert.deepEqual((await columnKeys(page)).filter((key) => key === 'attack' || key.startsWith('eps:') || key.startsWith('ratio:')), ['attack']);
    const record = report.images.filter((r) => r.adversarial)[1];
    const eps = record.adversarial!.attacks!;
    const winnerCell = page.locator(`.rl-row[data-file="${record.file}"] > div:nth-child(9)`);
    assert.equal(await winnerCell.innerText(), 'ddn');
    const expected = Object.entries(factors).map(([attack, factor]) => `${attack}: ε* ${plainNumber(eps[attack] as number)}${attack === 'fgm-line' ? '' : ` (${factor}× fgm-line)`}`);
    assert.equal(await winnerCell.getAttribute('title'), expected.join('\n'), 'each attack’s ε* and ratio in the winner’s tooltip');
    const toggle = page.getByLabel('Each attack’s ε* and ratio to fgm-line');
    assert.ok(await toggle.isVisible());
    await toggle.check();
    const keys = await columnKeys(page);
    for (const key of ['attack', 'eps:fgm-line', 'eps:deepfool', 'eps:ddn', 'eps:fmn', 'ratio:deepfool', 'ratio:ddn', 'ratio:fmn']) assert.ok(keys.includes(key), key);
    assert.ok(!keys.includes('ratio:fgm-line'));
    await page.locator('.rl-head-row [data-sort-key="ratio:fmn"]').click();
    const rows = await renderedRows(page);
    assert.ok(rows.length > 0);
    assert.ok(rows.some((row) => row.cells.includes('0.6×')), 'the fmn/fgm ratio is shown');
  });

  it('with --random-per-attack, gives each attack’s random susceptibility per α', async () => {
    const report = bestReport();
    report.config.attackOptions = { ...report.config.attackOptions, randomPerAttack: true };
    let fgmFlipped = 0;
    let fgmMeasured = 0;
    const alpha = report.config.alphas[report.config.alphas.length - 1];
    for (const record of report.images) {
      const adversarial = record.adversarial;
      if (!adversarial) continue;
      // fgm-line's larger ε* keeps the fixture's counts; the others' smaller ones flip nothing.
      const none = record.random.map((entry) => ({ ...entry, flips: 0, minFlip: null }));
      adversarial.randomByAttack = { deepfool: none, ddn: none, fmn: none };
      if (adversarial.attacks?.['fgm-line'] !== null) {
        adversarial.randomByAttack['fgm-line'] = record.random;
        fgmMeasured++;
        if ((record.random.find((entry) => entry.alpha === alpha)?.flips ?? 0) > 0) fgmFlipped++;
      }
    }
    assert.ok(fgmFlipped > 0, 'the fixture has random flips at the largest α');
    const { page, errors } = await open(report);
    assert.match(await text(page, `attacks-fgm-line-random-${alpha}`), new RegExp(`\\(${fgmFlipped} of ${fgmMeasured}\\)$`));
    assert.match(await text(page, `attacks-ddn-random-${alpha}`), / \(0 of \d+\)$/);
    assert.match(await page.locator('[data-testid=attacks-table] thead').innerText(), new RegExp(`random α = ${alpha}`));
    assert.deepEqual(errors, []);
  });

  it('keeps the per-attack columns shown across a reload (the view state the page saves)', async () => {
    const { page, errors } = await open(bestReport());
    const toggle = page.getByLabel('Each attack’s ε* and ratio to fgm-line');
    await toggle.check();
    await page.locator('[data-sort-key="eps:ddn"]').click();
    await page.waitForTimeout(400); // the view is saved at most every 200 ms
    await page.reload();
    await page.waitForSelector('[data-testid=summary-table]');
    assert.equal(await page.getByLabel('Each attack’s ε* and ratio to fgm-line').isChecked(), true);
    const keys = await columnKeys(page);
    for (const key of ['eps:fgm-line', 'eps:ddn', 'ratio:fmn']) assert.ok(keys.includes(key), key);
    assert.equal(await page.getAttribute('[role=columnheader]:has([data-sort-key="eps:ddn"])', 'aria-sort'), 'ascending');
    assert.deepEqual(errors, []);
  });

  it('is absent from a single-attack report', async () => {
    const { page } = await open(fixtureReport());
    assert.equal(await page.locator('[data-testid=attacks-section]').isVisible(), false);
    const keys = await columnKeys(page);
    assert.ok(!keys.some((key) => key.startsWith('eps:') || key.startsWith('ratio:') || key === 'attack'));
    assert.equal(await page.getByLabel('Each attack’s ε* and ratio to fgm-line').isVisible(), false);
  });
});
