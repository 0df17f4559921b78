/**
 * compare.html: the panel's own bundle and stylesheet inlined, with a CompareReport embedded as
 * JSON; the bundle sees `#compare-data` and shows the comparison. Same CSP as report.html: it
 * loads nothing.
 */
import type { CompareReport } from '../protocol/report';
import { escapeAttribute, escapeHtml, inlineScript, inlineStyle, jsonForScript } from './escape';
import { createNonce } from './nonce';
import { appMount, titleElement } from './page';
import { standaloneContentSecurityPolicy, type ReportAssets } from './standalone';

export const compareDataId = 'compare-data';

export function standaloneCompareHtml(compare: CompareReport, assets: ReportAssets): string {
  const nonce = createNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(standaloneContentSecurityPolicy(nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(`${compare.tool.name} ${compare.tool.version}`)}">
${titleElement(`Robustness Lens — ${compare.a.name} vs ${compare.b.name}`)}
<style nonce="${nonce}">${inlineStyle(assets.style)}</style>
</head>
<body data-host="standalone">
${appMount()}
<script type="application/json" id="${compareDataId}">${jsonForScript(compare)}</script>
<script nonce="${nonce}">${inlineScript(assets.script)}</script>
</body>
</html>
`;
}
