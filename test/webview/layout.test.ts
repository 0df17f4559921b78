/**
 * The report page as a new user meets it (issue 14.4), in headless Chromium: it fits at the widths
 * people have (1000 px: a VS Code panel at 1440 with the sidebar open; 1280 and 1440: the standalone
 * page), says that nothing is measured before the first image instead of showing zeros, dates a
 * resumed run from its first session, writes dates in one pattern, and captions a perturbation by
 * what its factor did. A `--attack best` report fits at 1280 and 1440 px too, each attack's ε* one
 * toggle away. Screenshots at each width go to docs/screenshots/report-<width>-*.png (and
 * report-best-<width>-images.png).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bestOfAttacks } from '../../src/engine/attacks/names';
import { summarize } from '../../src/engine/statistics';
import type { Report } from '../../src/protocol/report';
import { dateTimeText, durationText } from '../../src/report/format';
import type { ReportAssets } from '../../src/report/standalone';
import { bestReport, buildWebview, columnKeys, fixtureDetails, fixtureReport, launchChromium, root, watchPage, writeStandalone } from './browser';

const screenshots = join(root, 'docs', 'screenshots');
const widths = [1000, 1280, 1440];

interface Overflow {
  what: string;
  text: string;
  scroll: number;
  client: number;
}

/**
 * Elements of the page that overflow their own box, or lie outside their container. A string, not
 * a function: tsx's name-keeping helpers do not exist in the page.
 */
const findLayoutProblems = `(() => {
  const problems = [];
  const overflowing = (what, e) => {
    if (e.scrollWidth > e.clientWidth + 1) problems.push({ what, text: e.textContent, scroll: e.scrollWidth, client: e.clientWidth });
  };
  const outside = (what, inner, outer) => {
    const a = inner.getBoundingClientRect();
    const b = outer.getBoundingClientRect();
    if (a.left < b.left - 0.5 || a.right > b.right + 0.5) problems.push({ what, text: inner.textContent, scroll: Math.round(a.width), client: Math.round(b.width) });
  };
  for (const value of document.querySelectorAll('.rl-stat-value')) {
    overflowing('card value', value);
    // One line: a value whose unit wrapped is two lines high.
    if (value.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(value).lineHeight)) problems.push({ what: 'card value on two lines', text: value.textContent, scroll: 0, client: 0 });
  }
  for (const card of document.querySelectorAll('.rl-stat')) overflowing('card', card);
  for (const value of document.querySelectorAll('[data-testid=settings] dd')) overflowing('settings value', value);
  const grid = document.querySelector('.rl-grid');
  overflowing('image table (every column fits without scrolling)', grid);
  for (const header of document.querySelectorAll('.rl-head-row > div')) {
    // A right-aligned label cut on its left does not show in scrollWidth: compare the boxes.
    outside('table header label', header.querySelector('.rl-sort span'), header);
    outside('table header cell', header, grid);
  }
  for (const cell of document.querySelectorAll('.rl-grid-body .rl-row:not([hidden]) > .rl-middle')) {
    const tail = cell.querySelector('.rl-middle-tail');
    overflowing('file name end', tail);
    outside('file name end', tail, cell);
  }
  return problems;
})()`;

function layoutProblems(page: Page): Promise<Overflow[]> {
  return page.evaluate(findLayoutProblems) as Promise<Overflow[]>;
}

describe('report page layout and texts', () => {
  let browser: Browser;
  let assets: ReportAssets;
  const report: Report = fixtureReport();

  before(async () => {
    assets = buildWebview();
    browser = await launchChromium();
    mkdirSync(screenshots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  /** The page of `shown`; its close() checks that nothing went wrong in it (errors, CSP) first. */
  async function open(shown: Report, options: { width?: number; timezoneId?: string } = {}): Promise<{ page: Page; close(): Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, timezoneId: options.timezoneId ?? 'UTC' });
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(writeStandalone(shown, assets));
    await page.waitForSelector('[data-testid=summary-table]');
    return {
      page,
      close: async () => {
        assert.deepEqual(problems.errors, []);
        await context.close();
      },
    };
  }

  const settingsOf = async (page: Page) =>
    Object.fromEntries(await page.$$eval('[data-testid=settings] dt', (terms) => terms.map((dt) => [dt.textContent ?? '', (dt.nextElementSibling as HTMLElement).innerText]))) as Record<string, string>;

  const text = (page: Page, testId: string) => page.locator(`[data-testid="${testId}"]`).first().innerText();

  for (const width of widths) {
    it(`fits at ${width} px: card values on one line, every table column and the end of every file name visible, settings wrapped not cut`, async () => {
      const { page, close } = await open(report, { width });
      await page.waitForSelector('.rl-grid-body .rl-row');
      assert.deepEqual(await layoutProblems(page), []);
      const headers = await page.$$eval('.rl-head-row [data-sort-key]', (buttons) => buttons.map((b) => (b as HTMLElement).dataset.sortKey));
      for (const alpha of report.config.alphas) assert.ok(headers.includes(`flips:${alpha}`), `α = ${alpha} column`);
      const file = report.images[0].file;
      assert.equal(await page.locator(`.rl-row[data-file="${file}"] .rl-middle`).getAttribute('title'), file, 'the full name in the tooltip');
      await page.locator('#summary').screenshot({ path: join(screenshots, `report-${width}-summary.png`) });
      await page.locator('#images').screenshot({ path: join(screenshots, `report-${width}-images.png`) });
      await close();
    });
  }

  for (const width of widths.filter((w) => w >= 1280)) {
    it(`fits a --attack best report at ${width} px: the winner, every α column and the end of every file name visible; each attack’s ε* behind a labelled toggle`, async () => {
      const best = bestReport();
      const { page, close } = await open(best, { width });
      await page.waitForSelector('.rl-grid-body .rl-row');
      assert.deepEqual(await layoutProblems(page), []);
      const headers = await columnKeys(page);
      for (const key of ['file', 'class', 'predicted', 'eps', 'attack', ...best.config.alphas.map((alpha) => `flips:${alpha}`)]) assert.ok(headers.includes(key), `${key} column`);
      await page.locator('#images').screenshot({ path: join(screenshots, `report-best-${width}-images.png`) });
      const toggle = page.getByLabel('Each attack’s ε* and ratio to fgm-line');
      assert.ok(await toggle.isVisible(), 'the toggle is there and labelled');
      await toggle.check();
      const all = await columnKeys(page);
      for (const attack of bestOfAttacks) assert.ok(all.includes(`eps:${attack}`), `${attack}’s ε* column`);
      await close();
    });
  }

  it('keeps the units of a long upper bound with their numbers: "at 95 %" in small type under a narrow card', async () => {
    const { page, close } = await open(report, { width: 1000 });
    const bound = report.summary.random.findIndex((r) => r.susceptible === 0);
    assert.ok(bound === 0, 'the fixture has no random flip at the first α');
    const card = page.locator('[data-testid=card-random-first]');
    assert.match(await card.innerText(), /^<\u00a0[\d.]+\u00a0% at\u00a095\u00a0%$/);
    assert.equal((await card.locator('.rl-stat-confidence').textContent())?.trim(), 'at\u00a095\u00a0%');
    await close();
  });

  for (const status of ['running', 'complete'] as const) {
    it(`before the first image (${status}) shows that nothing is measured, not zeros`, async () => {
      const empty: Report = { ...report, images: [], summary: summarize([], report.config.alphas), status };
      const { page, close } = await open(empty, { width: 1000 });
      const why = status === 'running' ? 'waiting for the first image' : 'no image was analysed';
      for (const id of ['card-accuracy', 'card-adversarial', 'card-random-first', 'card-random-last']) {
        assert.equal(await text(page, id), '—', id);
        assert.equal(await page.locator(`.rl-stat:has([data-testid=${id}]) .rl-stat-detail`).innerText(), why);
      }
      for (const id of ['summary-accuracy', 'summary-adversarial', 'summary-l2', 'summary-l1', 'summary-linf', ...report.config.alphas.flatMap((a) => [`summary-random-${a}`, `summary-flip-rate-${a}`])]) {
        assert.equal(await text(page, id), '—', id);
      }
      assert.equal(await text(page, 'summary-dimension'), report.config.dimension.toLocaleString('en-US'), 'what the config says stays');
      assert.equal(await text(page, 'headline'), status === 'running' ? 'Nothing measured yet: waiting for the first image.' : 'No image was analysed.');
      const theoryRows = await page.locator('[data-testid=theory-table] tbody tr').allInnerTexts();
      assert.equal(theoryRows.length, report.config.alphas.length);
      for (const row of theoryRows) assert.match(row, new RegExp(`^\\d+\\s+${why}$`));
      assert.equal(await page.locator('[data-chart=adversarial-l2] .rl-chart-empty').innerText(), `Nothing measured yet: ${why}.`);
      assert.equal(await page.locator('[data-chart=random-l2] .rl-chart-empty').innerText(), `Nothing measured yet: ${why}.`);
      const shown = await page.locator('#summary, #norms, #random, #theory').allInnerTexts();
      for (const zero of [/(^|\s)0[\s\u00a0]%/, /0 \(0\)/, /no flip within/, /0 of 0/]) {
        const found = zero.exec(shown.join('\n'));
        assert.ok(!found, `"${found?.input.slice(Math.max(0, found.index - 80), found.index + 40)}"`);
      }
      assert.deepEqual(await layoutProblems(page), []);
      if (status === 'running') await page.locator('#summary').screenshot({ path: join(screenshots, 'report-waiting-for-first-image.png') });
      await close();
    });
  }

  it('dates a resumed run from its first session and counts every session’s time', async () => {
    const resumed: Report = {
      ...report,
      firstStartedAt: '2026-12-01T21:10:00.000Z',
      startedAt: '2026-12-01T22:58:00.000Z',
      finishedAt: '2026-12-01T23:00:00.000Z',
      timings: { ...report.timings, wallSeconds: 120, activeSeconds: 420 },
    };
    const { page, close } = await open(resumed, { timezoneId: 'Asia/Kolkata' });
    const settings = await settingsOf(page);
    assert.equal(settings.Started, '2026-12-02 02:40\u00a0UTC+5:30 (resumed 2026-12-02 04:28\u00a0UTC+5:30)');
    assert.equal(settings.Duration, `${durationText(420)} (this session ${durationText(120)})`);
    assert.equal(settings.Duration, '7\u00a0min 00\u00a0s (this session 2\u00a0min 00\u00a0s)');
    await close();

    const once = await open({ ...report, firstStartedAt: report.startedAt, timings: { ...report.timings, wallSeconds: 97.6, activeSeconds: 97.6 } });
    const { Started: started, Duration: duration } = await settingsOf(once.page);
    assert.equal(started, dateTimeText(report.startedAt as string), 'a run of one session: its start only, in UTC here');
    assert.match(started, /^\d{4}-\d\d-\d\d \d\d:\d\d\u00a0UTC$/);
    assert.equal(duration, '97.6\u00a0s');
    await once.close();
  });

  it('captions a perturbation shrunk to fit as scaled, not amplified', async () => {
    const details = fixtureDetails();
    const shrunk = { ...details[0], amplification: 0.857 };
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(writeStandalone(report, assets, [shrunk, ...details.slice(1)]));
    await page.locator(`.rl-row[data-file="${shrunk.file}"]`).click();
    await page.waitForSelector('[data-testid=detail-image] >> nth=3');
    const captions = await page.locator('.rl-picture figcaption .rl-muted').allInnerTexts();
    assert.ok(captions.includes('scaled ×0.857 to fit, around grey'), captions.join(' | '));
    assert.ok(!captions.some((c) => /amplified/.test(c)));
    await page.locator(`.rl-row[data-file="${details[1].file}"]`).click();
    await page.waitForFunction((file) => document.querySelector('[data-testid=detail-file]')?.textContent === file, details[1].file);
    assert.ok((await page.locator('.rl-picture figcaption .rl-muted').allInnerTexts()).some((c) => /^amplified ×[\d.]+ around grey$/.test(c)));
    await context.close();
  });
});
