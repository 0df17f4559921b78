/** The page's exports: per-image CSV, report JSON, a chart as PNG, and the standalone HTML report. */
import type { ImageDetail } from '../src/protocol/messages';
import type { Report } from '../src/protocol/report';
import { imagesCsv } from '../src/report/csv';
import { standaloneReportHtml } from '../src/report/standalone';
import type { ChartCard } from './charts/card';
import type { Host } from './host';

const genericModelNames = /^(model|model\.json|saved_?model|tfjs_?model|web_?model)$/i;

/** A file-name stem from the model path: "…/fashion-cnn/model/model.json" → "robustness-fashion-cnn". */
export function exportStem(report: Report): string {
  const parts = report.config.model.split(/[\\/]/).filter(Boolean);
  while (parts.length > 1 && genericModelNames.test(parts[parts.length - 1])) parts.pop();
  const name = (parts[parts.length - 1] ?? '').replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `robustness-${name || 'report'}`;
}

export class Exporter {
  constructor(
    private readonly host: Host,
    /** Details drawn in this session, carried into an exported standalone report. */
    private readonly drawnDetails: () => ImageDetail[],
  ) {}

  csv(report: Report): Promise<string> {
    return this.host.save('csv', `${exportStem(report)}-images.csv`, imagesCsv(report));
  }

  json(report: Report): Promise<string> {
    return this.host.save('json', `${exportStem(report)}.json`, JSON.stringify(report, null, 2));
  }

  png(report: Report, card: ChartCard, background: string): Promise<string> {
    return this.host.save('png', `${exportStem(report)}-${card.id}.png`, card.toPng(background));
  }

  async html(report: Report): Promise<string> {
    const assets = await this.host.assets();
    const byFile = new Map<string, ImageDetail>();
    for (const detail of [...this.host.embeddedDetails(), ...this.drawnDetails()]) byFile.set(detail.file, detail);
    // Keep the report's order, so "the first N susceptible images" stays true where it was.
    const order = new Map(report.images.map((r, i) => [r.file, i]));
    const details = [...byFile.values()].sort((a, b) => (order.get(a.file) ?? Infinity) - (order.get(b.file) ?? Infinity));
    return this.host.save('html', `${exportStem(report)}.html`, standaloneReportHtml(report, assets, details));
  }
}
