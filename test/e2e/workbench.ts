import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { artifactsDir } from './paths';

/** Chromium flags that keep it off the network and out of first-run UI. */
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The VS Code web workbench in headless Debian Chromium, driven the way a user drives it. */
export class Workbench {
  private constructor(
    private readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async launch(profileDir: string, env: NodeJS.ProcessEnv): Promise<Workbench> {
    rmSync(profileDir, { recursive: true, force: true });
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: chromiumFlags,
      env: env as Record<string, string>,
      viewport: { width: 1440, height: 900 },
    });
    context.setDefaultTimeout(30_000);
    const page = context.pages()[0] ?? (await context.newPage());
    return new Workbench(context, page);
  }

  /** Opens `folder` and waits for the workbench; trusts the folder when VS Code asks. */
  async open(serverUrl: string, folder: string, options: { expectTrustPrompt: boolean }): Promise<void> {
    await this.page.goto(`${serverUrl}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded' });
    await this.waitForWorkbench();
    if (options.expectTrustPrompt) await this.trustWorkspace();
  }

  async reloadWindow(): Promise<void> {
    const reloaded = this.page.waitForEvent('load', { timeout: 60_000 });
    await this.runCommand('Developer: Reload Window');
    await reloaded;
    await this.waitForWorkbench();
  }

  private async waitForWorkbench(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await this.page.locator('.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
  }

  private async trustWorkspace(): Promise<void> {
    const trust = this.page.locator('.monaco-dialog-box').getByRole('button', { name: /Yes, I trust the authors/ });
    await trust.waitFor({ state: 'visible', timeout: 60_000 });
    await trust.click();
    await trust.waitFor({ state: 'hidden' });
  }

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /**
   * Runs a command from the palette (F1). Retries while the command is not listed yet: an
   * extension's contributions appear a moment after the workbench.
   */
  async runCommand(title: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const input = this.quickInput.locator('input.input');
    for (;;) {
      await this.page.keyboard.press('Escape');
      await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
      await this.page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`);
      const row = this.quickInput.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: title }) }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: 5_000 });
      } catch {
        if (Date.now() > deadline) throw new Error(`command "${title}" is not in the palette`);
        continue;
      }
      await row.click();
      return;
    }
  }

  /** Waits for the quick pick titled `title`, then picks the item labelled `label`. */
  async pick(title: RegExp, label: string | RegExp, timeoutMs = 30_000): Promise<void> {
    await this.waitForQuickInput(title, timeoutMs);
    const row = this.quickInput.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: label }) }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await row.click();
  }

  /** Waits for the quick input titled `title` (a pick or an input box an extension opened). */
  async waitForQuickInput(title: RegExp, timeoutMs = 30_000): Promise<void> {
    await this.quickInput.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** A notification toast whose message matches `text`. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notification-toast', { hasText: text });
  }

  /** The content of the visible webview: `iframe.webview`, then its `#active-frame`. */
  webview(): FrameLocator {
    return this.page.locator('iframe.webview.ready').filter({ visible: true }).first().contentFrame().frameLocator('#active-frame');
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(artifactsDir, { recursive: true });
    const path = join(artifactsDir, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
