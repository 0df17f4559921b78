/**
 * One α of one image on a log axis (an inline SVG): the rare-event estimate with its 95 % interval,
 * Monte Carlo's Clopper–Pearson interval of flips/samples, and the flat-boundary prediction.
 */
import type { RandomResult } from '../../src/protocol/report';
import { clopperPearson } from '../../src/engine/statistics';

const width = 220;
const height = 34;
const svgNamespace = 'http://www.w3.org/2000/svg';

/** The log10 range that holds every row: from a whole decade below the smallest value to 10⁰. */
export function stripRange(rows: readonly RandomResult[], flatLog10: readonly number[]): { from: number; to: number } {
  const values: number[] = [...flatLog10.filter(Number.isFinite)];
  for (const row of rows) {
    if (row.rareEvent) values.push(row.rareEvent.log10Interval[0] ?? row.rareEvent.log10Interval[1]);
    values.push(Math.log10(Math.max(clopperPearson(row.flips, row.samples).upper, 1e-300)));
  }
  return { from: Math.floor(Math.min(-1, ...values)) - 1, to: 0 };
}

export function rareEventStrip(row: RandomResult, flatLog10: number, range: { from: number; to: number }): SVGSVGElement {
  const x = (log10: number) => ((Math.min(range.to, Math.max(range.from, log10)) - range.from) / (range.to - range.from)) * (width - 8) + 4;
  const svg = element('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'rl-strip', role: 'img' });
  svg.append(element('line', { x1: 4, x2: width - 4, y1: height - 4, y2: height - 4, class: 'rl-strip-axis' }));
  const parts: string[] = [];
  const estimate = row.rareEvent;
  if (estimate) {
    const [lower, upper] = estimate.log10Interval;
    svg.append(element('rect', { x: x(lower ?? range.from), y: 5, width: Math.max(2, x(upper) - x(lower ?? range.from)), height: 7, class: 'rl-strip-rare' }));
    if (estimate.log10Probability !== null) svg.append(element('circle', { cx: x(estimate.log10Probability), cy: 8.5, r: 3.5, class: 'rl-strip-estimate' }));
    parts.push(estimate.log10Probability === null ? `rare-event: below 10^${upper.toFixed(1)}` : `rare-event 10^${estimate.log10Probability.toFixed(1)} (10^${(lower ?? 0).toFixed(1)} – 10^${upper.toFixed(1)})`);
  }
  const { lower, upper } = clopperPearson(row.flips, row.samples);
  const mcLower = lower > 0 ? Math.log10(lower) : range.from;
  svg.append(element('rect', { x: x(mcLower), y: 16, width: Math.max(2, x(Math.log10(upper)) - x(mcLower)), height: 7, class: 'rl-strip-mc' }));
  parts.push(`Monte Carlo ${row.flips}/${row.samples}`);
  if (Number.isFinite(flatLog10)) {
    svg.append(element('line', { x1: x(flatLog10), x2: x(flatLog10), y1: 2, y2: height - 4, class: 'rl-strip-flat' }));
    parts.push(`flat boundary 10^${flatLog10.toFixed(1)}`);
  }
  const title = element('title', {});
  title.textContent = `On a log axis from 10^${range.from} to 1: ${parts.join('; ')}`;
  svg.prepend(title);
  svg.setAttribute('aria-label', title.textContent);
  return svg;
}

function element<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}
