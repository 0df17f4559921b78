/** The per-image table stays virtual and usable with a 50 000-image report. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { summarize } from '../../src/engine/statistics';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { buildWebview, columnKeys, fixtureReport, launchChromium, renderedRows, watchPage, writeStandalone, type PageProblems } from './browser';

const imageCount = 50_000;

/** A deterministic report of `n` images over 10 classes, shaped like the fixture. */
function largeReport(n: number): Report {
  const base = fixtureReport();
  const classes = Array.from({ length: 10 }, (_, i) => `class_${i}`);
  const alphas = base.config.alphas;
  const samples = base.config.samples;
  const images: ImageRecord[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % classes.length;
    const correct = i % 23 !== 0;
    const susceptible = correct && i % 3 !== 0;
    const eps = (((i * 7919) % 256) + 1) * (base.config.maxEps / base.config.scales);
    const record: ImageRecord = {
      file: `${classes[label]}/img_${String(i).padStart(6, '0')}.png`,
      label,
      predicted: correct ? label : (label + 1) % classes.length,
      correct,
      adversarial: susceptible ? { eps, l2: eps, l1: eps * 21, linf: eps * 0.2, loss: 'logit' } : null,
      random: susceptible
        ? alphas.map((alpha) => {
            const flips = alpha >= 5 ? (i * 31) % 50 : 0;
            return { alpha, flips, samples, minFlip: flips ? { l2: alpha * eps, l1: alpha * eps * 38, linf: alpha * eps * 0.08 } : null };
          })
        : [],
      index: i,
    };
    if (correct && !susceptible) record.reason = 'no flip within maxEps';
    images.push(record);
  }
  return { ...base, config: { ...base.config, classes }, images, summary: summarize(images, alphas) };
}

describe('a 50 000-image report', () => {
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  const report = largeReport(imageCount);

  before(async () => {
    const url = writeStandalone(report, buildWebview());
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    problems = await watchPage(page);
    await page.goto(url);
    await page.waitForSelector('[data-testid=row-count]', { timeout: 120_000 });
  });

  after(async () => {
    await browser?.close();
  });

  const domRows = () => page.locator('.rl-grid-body .rl-row').count();

  it('renders only the rows in view', async () => {
    assert.equal(await page.locator('[data-testid=row-count]').innerText(), `${imageCount.toLocaleString('en-US')} images`);
    assert.equal(await page.getAttribute('[data-testid=image-grid]', 'aria-rowcount'), String(imageCount + 1));
    const rows = await domRows();
    assert.ok(rows > 10 && rows < 100, `${rows} row elements for ${imageCount} images`);
    assert.deepEqual((await renderedRows(page)).slice(0, 3).map((r) => r.file), report.images.slice(0, 3).map((r) => r.file));
  });

  it('scrolls to the end and back, recycling the same few rows', async () => {
    const grid = page.locator('[data-testid=image-grid]');
    await grid.focus();
    await page.keyboard.press('End');
    await page.waitForFunction((file) => Array.from(document.querySelectorAll<HTMLElement>('.rl-grid-body .rl-row:not([hidden])')).some((r) => r.dataset.file === file), report.images[imageCount - 1].file);
    assert.ok((await domRows()) < 100);
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('[data-testid=detail-file]').innerText(), report.images[imageCount - 1].file);

    await grid.evaluate((element) => (element.scrollTop = element.scrollHeight / 2));
    await page.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll('.rl-grid-body .rl-row:not([hidden])'));
      return rows.some((r) => Number(r.getAttribute('aria-rowindex')) > 20_000 && Number(r.getAttribute('aria-rowindex')) < 30_000);
    });
    assert.ok((await domRows()) < 100);
  });

  it('sorts and filters all 50 000 rows', async () => {
    const keys = await columnKeys(page);
    await page.locator('[data-sort-key="eps"]').click();
    await page.locator('[data-sort-key="eps"]').click();
    const largest = Math.max(...report.images.flatMap((r) => (r.adversarial ? [r.adversarial.eps] : [])));
    const top = await renderedRows(page);
    assert.equal(top[0].rowIndex, 2, 'sorting scrolls nothing away: the first row is shown');
    assert.equal(Number(top[0].cells[keys.indexOf('eps')]), Number(largest.toPrecision(3)));

    await page.locator('[data-testid=filter-text] input').fill('img_04999');
    const matching = report.images.filter((r) => r.file.includes('img_04999'));
    await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent === `Showing ${n} of 50,000 images`, matching.length);
    assert.deepEqual((await renderedRows(page)).map((r) => r.file).sort(), matching.map((r) => r.file).sort());
    assert.deepEqual(problems.errors, []);
  });
});
