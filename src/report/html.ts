/**
 * The VS Code report panel's page. The bundle and stylesheet come from the extension's dist/
 * (webview URIs); nothing else loads. `connect-src` lets the page read its own bundle back to
 * export a standalone report; no remote origin is allowed anywhere.
 */
import { escapeAttribute, escapeHtml } from './escape';
import { appMount, titleElement } from './page';

export interface PanelPageOptions {
  /** `webview.cspSource`: the origin VS Code serves local resources from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title?: string;
}

export function panelContentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `connect-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function panelHtml(o: PanelPageOptions): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(o.nonce)) throw new Error('panelHtml: the nonce must be base64 or hex characters');
  const csp = panelContentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${titleElement(o.title)}
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
</head>
<body data-host="vscode">
${appMount()}
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
