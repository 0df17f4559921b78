/** Shared by the browser tests: the built bundle, headless Chromium, and pages that record what went wrong. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ImageDetail } from '../../src/protocol/messages';
import { attackOptionsOf } from '../../src/engine/attacks/options';
import { summarize } from '../../src/engine/statistics';
import type { Report } from '../../src/protocol/report';
import { standaloneReportHtml, type ReportAssets } from '../../src/report/standalone';

export const root = join(__dirname, '..', '..');
export const fixtures = join(root, 'test', 'fixtures', 'reports');

export function buildWebview(): ReportAssets {
  const result = spawnSync(process.execPath, ['scripts/build.mjs', 'webview'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`webview build failed: ${result.stderr}`);
  return { script: readFileSync(join(root, 'dist', 'webview.js'), 'utf8'), style: readFileSync(join(root, 'dist', 'webview.css'), 'utf8') };
}

export function fixtureReport(): Report {
  return JSON.parse(readFileSync(join(fixtures, 'report.json'), 'utf8')) as Report;
}

/** ε* of each attack as a multiple of the fixture's ε* in bestReport(); fgm-line misses the first susceptible image. */
export const bestAttackFactors = { 'fgm-line': 1, deepfool: 0.8, ddn: 0.5, fmn: 0.6 } as const;

/** The fixture as a `--attack best` report: every attack's ε* on each susceptible image, ddn the smallest. */
export function bestReport(): Report {
  const report = fixtureReport();
  report.config.attack = 'best';
  report.config.attackOptions = attackOptionsOf('best', { steps: 60 });
  let first = true;
  for (const record of report.images) {
    if (!record.adversarial) continue;
    const eps = record.adversarial.eps;
    const attacks: Record<string, number | null> = Object.fromEntries(Object.entries(bestAttackFactors).map(([name, factor]) => [name, eps * factor]));
    if (first) attacks['fgm-line'] = null;
    first = false;
    const scale = bestAttackFactors.ddn;
    record.adversarial = { ...record.adversarial, eps: eps * scale, l2: record.adversarial.l2 * scale, l1: record.adversarial.l1 * scale, linf: record.adversarial.linf * scale, attack: 'ddn', attacks };
  }
  report.summary = summarize(report.images, report.config.alphas);
  return report;
}

export function fixtureDetails(): ImageDetail[] {
  return JSON.parse(readFileSync(join(fixtures, 'details.json'), 'utf8')) as ImageDetail[];
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rl-webview-'));
}

/** Writes the standalone report to a temp file and returns its file:// URL. */
export function writeStandalone(report: Report, assets: ReportAssets, details: ImageDetail[] = [], dir = tempDir()): string {
  const file = join(dir, 'report.html');
  writeFileSync(file, standaloneReportHtml(report, assets, details));
  return pathToFileURL(file).href;
}

export interface PageProblems {
  /** Console errors, page errors and CSP violations, in order. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
}

/** Records errors, CSP violations and requests of `page` from now on. */
export async function watchPage(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { errors: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content.Security.Policy|Refused to/i.test(message.text())) problems.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(`page error: ${error.message}`));
  page.on('request', (request) => problems.requests.push(request.url()));
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.errors.push(`CSP: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  return problems;
}

export interface GridRow {
  file: string;
  rowIndex: number;
  selected: boolean;
  cells: string[];
}

/** The grid rows present in the DOM (the rendered window), in display order. */
export function renderedRows(page: Page): Promise<GridRow[]> {
  return page.$$eval('.rl-grid-body .rl-row:not([hidden])', (rows) =>
    rows
      .map((row) => ({
        file: (row as HTMLElement).dataset.file ?? '',
        rowIndex: Number(row.getAttribute('aria-rowindex')),
        selected: row.getAttribute('aria-selected') === 'true',
        cells: Array.from(row.children, (cell) => cell.textContent ?? ''),
      }))
      .sort((a, b) => a.rowIndex - b.rowIndex),
  );
}

/** Column keys of the grid, in display order. */
export function columnKeys(page: Page): Promise<string[]> {
  return page.$$eval('.rl-head-row [data-sort-key]', (buttons) => buttons.map((b) => (b as HTMLElement).dataset.sortKey ?? ''));
}

/** Pixels of a canvas that are clearly coloured (not grey text, axes or background): drawn data. */
export function chromaticPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (element) => {
    const canvas = element as HTMLCanvasElement;
    const context = canvas.getContext('2d');
    if (!context || canvas.width === 0 || canvas.height === 0) return 0;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const max = Math.max(data[i], data[i + 1], data[i + 2]);
      const min = Math.min(data[i], data[i + 1], data[i + 2]);
      if (data[i + 3] > 128 && max - min > 60) n++;
    }
    return n;
  });
}
