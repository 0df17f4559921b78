/**
 * The Compare panel: two runs side by side (the Runs view's Compare, as `robustness-lens compare`
 * writes compare.html). One class owns the panel and its disposables; the page is the report
 * panel's own bundle (webview/compare-app.ts), sent a `compare` message once it says `ready`.
 * Same strict CSP with a nonce; only dist/ and media/ are readable.
 */
import * as vscode from 'vscode';
import { dispatchMessage, type MessageHandlers } from '../protocol/handlers';
import type { ExtensionToWebview, WebviewToExtension } from '../protocol/messages';
import { webviewMessage } from '../protocol/webview-guard';
import type { CompareReport } from '../protocol/report';
import { createNonce } from '../report/nonce';
import { panelHtml } from '../report/html';

export class ComparePanel {
  static readonly viewType = 'robustnessLens.compare';
  private static readonly panels = new Map<string, ComparePanel>();
  private readonly disposables: vscode.Disposable[] = [];

  /** Opens the comparison of the two runs, or reveals it (with fresh content) when open. */
  static show(extensionUri: vscode.Uri, compare: CompareReport): ComparePanel {
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
    return new ComparePanel(extensionUri, panel, key, compare);
  }

  private constructor(
    extensionUri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly key: string,
    private compare: CompareReport,
  ) {
    ComparePanel.panels.set(key, this);
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      title: panel.title,
    });
    webview.onDidReceiveMessage((message: unknown) => {
      const received = webviewMessage(message);
      if (received) dispatchMessage(this.handlers, received);
    }, null, this.disposables);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
  }

  /**
   * The compare page says it is ready; it has no images to detail or open and no Theory view. Its
   * charts' PNG exports are not saved here yet (the standalone compare.html saves them itself).
   */
  private readonly handlers: MessageHandlers<WebviewToExtension> = {
    ready: () => this.send(),
    requestDetail: () => undefined,
    export: () => undefined,
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
