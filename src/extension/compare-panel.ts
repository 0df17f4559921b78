/**
 * The Compare panel: two runs side by side (the Runs view's Compare, as `robustness-lens compare`
 * writes compare.html). One class owns the panel and its disposables; the page is the report
 * panel's own bundle (webview/compare-app.ts), sent a `compare` message once it says `ready`.
 * Same strict CSP with a nonce; only dist/ and media/ are readable.
 */
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { dispatchMessage, type MessageHandlers } from '../protocol/handlers';
import type { ExtensionToWebview, WebviewToExtension } from '../protocol/messages';
import { webviewMessage } from '../protocol/webview-guard';
import type { CompareReport } from '../protocol/report';
import { loadPanelPage } from './panel-page';
import { saveExport, type ExportContext } from './panel-messages';

/** What the panel needs from the extension to save its charts' exports. */
export type CompareExports = Pick<ExportContext, 'ui' | 'log'>;

export class ComparePanel {
  static readonly viewType = 'robustnessLens.compare';
  private static readonly panels = new Map<string, ComparePanel>();
  private readonly disposables: vscode.Disposable[] = [];

  /** Opens the comparison of the two runs, or reveals it (with fresh content) when open. */
  static show(extensionUri: vscode.Uri, compare: CompareReport, exports: CompareExports): ComparePanel {
    const key = `${compare.a.source}\n${compare.b.source}`;
    const existing = ComparePanel.panels.get(key);
    if (existing) {
      existing.compare = compare;
      existing.panel.reveal(undefined, false);
      existing.send();
      return existing;
    }
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(ComparePanel.viewType, `Compare: ${compare.a.name} vs ${compare.b.name}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [dist, vscode.Uri.joinPath(extensionUri, 'media')],
    });
    return new ComparePanel(extensionUri, panel, key, compare, exports);
  }

  private constructor(
    extensionUri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly key: string,
    private compare: CompareReport,
    private readonly exports: CompareExports,
  ) {
    ComparePanel.panels.set(key, this);
    const webview = panel.webview;
    loadPanelPage(panel, extensionUri);
    webview.onDidReceiveMessage((message: unknown) => {
      const received = webviewMessage(message);
      if (received) void dispatchMessage(this.handlers, received);
    }, null, this.disposables);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
  }

  /**
   * The compare page says it is ready, or exports a chart (saved beside run A's report, as the report
   * panel saves beside its run); it has no images to detail or open and no Theory view.
   */
  private readonly handlers: MessageHandlers<WebviewToExtension, Promise<void> | void> = {
    ready: () => this.send(),
    requestDetail: () => undefined,
    export: (message) =>
      saveExport(
        {
          ui: this.exports.ui,
          log: (line) => this.exports.log(line),
          post: (answer) => void this.panel.webview.postMessage(answer),
          saveFolder: () => dirname(this.compare.a.source),
          writeFile: (path, bytes) => writeFile(path, bytes),
        },
        message,
      ),
    openImage: () => undefined,
    simulateTheory: () => undefined,
  };

  private send(): void {
    const message: ExtensionToWebview = { type: 'compare', compare: this.compare };
    void this.panel.webview.postMessage(message);
  }

  static disposeAll(): void {
    for (const panel of [...ComparePanel.panels.values()]) panel.panel.dispose();
  }

  private dispose(): void {
    ComparePanel.panels.delete(this.key);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
