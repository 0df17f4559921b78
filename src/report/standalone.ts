/**
 * The standalone report: one HTML file with the panel's own bundle and stylesheet inlined and the
 * report (plus some detail views) embedded as JSON. Opens from file:// in any browser; its CSP
 * allows only its own inline code (by nonce), data:/blob: images and blob: workers (the Theory
 * view's simulation, started from text the bundle carries), so it loads nothing at all.
 */
import type { ImageDetail } from '../protocol/messages';
import type { Report } from '../protocol/report';
import { escapeAttribute, escapeHtml, inlineScript, inlineStyle, jsonForScript } from './escape';
import { createNonce } from './nonce';
import { appMount, titleElement } from './page';

export interface ReportAssets {
  /** dist/webview.js */
  script: string;
  /** dist/webview.css */
  style: string;
}

export const reportDataId = 'report-data';
export const detailDataId = 'detail-data';

export function standaloneContentSecurityPolicy(nonce: string): string {
  return ["default-src 'none'", 'img-src data: blob:', 'worker-src blob:', `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, "base-uri 'none'", "form-action 'none'"].join('; ');
}

export function standaloneReportHtml(report: Report, assets: ReportAssets, details: ImageDetail[] = []): string {
  const model = report.config.model.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
  return standalonePageHtml({
    title: `Robustness Lens — ${model || 'report'}`,
    tool: report.tool,
    assets,
    data: [
      { id: reportDataId, value: report },
      { id: detailDataId, value: details },
    ],
  });
}

/** What a standalone page holds: its title, the tool that wrote it, the bundle, and the JSON it embeds for the bundle. */
export interface StandalonePage {
  title: string;
  tool: { name: string; version: string };
  assets: ReportAssets;
  data: { id: string; value: unknown }[];
}

/** The one page builder of report.html and compare.html: head (CSP by nonce, generator, title, inlined styles), mount point, embedded JSON, bundle. */
export function standalonePageHtml(page: StandalonePage): string {
  const nonce = createNonce();
  const data = page.data.map(({ id, value }) => `<script type="application/json" id="${id}">${jsonForScript(value)}</script>\n`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(standaloneContentSecurityPolicy(nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(`${page.tool.name} ${page.tool.version}`)}">
${titleElement(page.title)}
<style nonce="${nonce}">${inlineStyle(page.assets.style)}</style>
</head>
<body data-host="standalone">
${appMount()}
${data}<script nonce="${nonce}">${inlineScript(page.assets.script)}</script>
</body>
</html>
`;
}
