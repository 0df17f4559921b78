import assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import type { Report } from '../../src/protocol/report';
import { meanStd, percent, rateText } from '../../src/report/format';

/**
 * What the panel's summary table must show for `report`, by the cell's data-testid: the numbers
 * of report.json written the way the report writes numbers.
 */
export function expectedSummary(report: Report): Record<string, string> {
  const s = report.summary;
  const adv = s.adversarial;
  const cells: Record<string, string> = {
    'summary-accuracy': percent(s.accuracy),
    'summary-adversarial': rateText(adv.susceptible, s.correct),
    'summary-l2': meanStd(adv.l2.mean, adv.l2.std),
    'summary-l1': meanStd(adv.l1.mean, adv.l1.std),
    'summary-linf': meanStd(adv.linf.mean, adv.linf.std),
    'summary-dimension': report.config.dimension.toLocaleString('en-US'),
    'summary-classes': String(report.config.classes.length),
  };
  for (const r of s.random) {
    cells[`summary-random-${r.alpha}`] = rateText(r.susceptible, adv.susceptible);
    cells[`summary-flip-rate-${r.alpha}`] = rateText(r.flips, r.trials);
  }
  return cells;
}

/** The text of every `[data-testid]` cell of the summary table. */
export async function shownSummary(panel: FrameLocator): Promise<Record<string, string>> {
  const table = panel.locator('[data-testid="summary-table"]');
  await table.locator('[data-testid="summary-accuracy"]').waitFor({ state: 'visible' });
  return table.locator('[data-testid^="summary-"]').evaluateAll((cells) =>
    Object.fromEntries(cells.map((cell) => [cell.getAttribute('data-testid') ?? '', (cell.textContent ?? '').trim()])),
  );
}

/**
 * Waits until the summary table shows `expected` (a live panel catches up with the final report
 * a moment after the run ends); fails with the difference.
 */
export async function waitForSummary(panel: FrameLocator, expected: Record<string, string>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await shownSummary(panel);
    const compared = Object.fromEntries(Object.keys(expected).map((testId) => [testId, shown[testId]]));
    try {
      assert.deepEqual(compared, expected, 'the summary table against report.json');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The "of" column beside a summary cell, e.g. "7 of 8 images". */
export async function summaryDetail(panel: FrameLocator, testId: string): Promise<string> {
  return (await panel.locator(`tr:has([data-testid="${testId}"]) td.rl-muted`).textContent())?.trim() ?? '';
}

/** How many pixels of a canvas are painted (alpha > 0): Chart.js leaves the background transparent. */
export async function paintedPixels(panel: FrameLocator, testId: string): Promise<number> {
  return panel.locator(`canvas[data-testid="${testId}"]`).evaluate((element) => {
    const canvas = element as HTMLCanvasElement;
    const context = canvas.getContext('2d');
    if (!context || canvas.width === 0 || canvas.height === 0) return 0;
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted;
  });
}

/** The violin charts: adversarial norms per class, and the smallest random flip per α beside them. */
export const violinCharts = {
  adversarial: ['chart-adversarial-l2', 'chart-adversarial-l1', 'chart-adversarial-linf'],
  random: ['chart-random-l2', 'chart-random-l1', 'chart-random-linf'],
};
