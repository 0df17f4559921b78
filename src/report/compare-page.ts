/**
 * compare.html: the panel's own bundle and stylesheet inlined, with a CompareReport embedded as
 * JSON; the bundle sees `#compare-data` and shows the comparison. Same CSP as report.html: it
 * loads nothing.
 */
import type { CompareReport } from '../protocol/report';
import { standalonePageHtml, type ReportAssets } from './standalone';

export const compareDataId = 'compare-data';

export function standaloneCompareHtml(compare: CompareReport, assets: ReportAssets): string {
  return standalonePageHtml({
    title: `Robustness Lens — ${compare.a.name} vs ${compare.b.name}`,
    tool: compare.tool,
    assets,
    data: [{ id: compareDataId, value: compare }],
  });
}
