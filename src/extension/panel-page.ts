/**
 * A webview panel's page: the one webview bundle (dist/webview.js and .css) under a strict CSP with
 * a fresh nonce, and the extension's icon. The report and compare panels both load it.
 */
import * as vscode from 'vscode';
import { panelHtml } from '../report/html';
import { createNonce } from '../report/nonce';

export function loadPanelPage(panel: vscode.WebviewPanel, extensionUri: vscode.Uri): void {
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
}
