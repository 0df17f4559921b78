/**
 * Two runs side by side (compare.html, the extension's Compare): Table 1 of each with the deltas,
 * the adversarial distances ε* of both runs as overlaid violins, and per image analysed in both
 * the ratio ε*_B / ε*_A, drawn as ε*_B against ε*_A with the line of no change.
 */
import type { ChartConfiguration } from 'chart.js';
import type { CompareMeasure, CompareReport } from '../../src/protocol/report';
import { percent, plainNumber } from '../../src/report/format';
import { ChartCard } from '../charts/card';
import { baseOptions, categoryAxis, valueAxis } from '../charts/options';
import { withAlpha, type ChartTheme } from '../charts/theme';
import { h, replaceChildren } from '../dom';

const rateKeys = /^(accuracy|adversarial\.rate|random\.[^.]+\.(rate|flipRate)|universality\.rate)$/;

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A measure's value: rates as percentages, counts as integers, norms with three digits. */
export function measureText(measure: CompareMeasure, value: number): string {
  if (rateKeys.test(measure.key)) return percent(value);
  if (measure.key === 'images') return count(value);
  return plainNumber(value);
}

/** b − a: rates in percentage points, norms also as a relative change. */
export function deltaText(measure: CompareMeasure): string {
  const sign = measure.delta > 0 ? '+' : measure.delta < 0 ? '−' : '±';
  const size = Math.abs(measure.delta);
  if (rateKeys.test(measure.key)) return `${sign}${Number((size * 100).toPrecision(3))} pp`;
  if (measure.key === 'images') return `${sign}${count(size)}`;
  const relative = measure.a !== 0 ? ` (${sign}${percent(size / Math.abs(measure.a))})` : '';
  return `${sign}${plainNumber(size)}${relative}`;
}

export class CompareView {
  readonly element: HTMLElement;
  private readonly title = h('h1', { class: 'rl-title', 'data-testid': 'compare-title' });
  private readonly lead = h('p', { class: 'rl-headline', 'data-testid': 'compare-lead' });
  private readonly table = h('tbody');
  private readonly violins: ChartCard;
  private readonly ratios: ChartCard;
  private readonly ratioFacts = h('dl', { class: 'rl-facts', 'data-testid': 'compare-ratio' });

  constructor(onExportPng: (card: ChartCard) => void) {
    this.violins = new ChartCard({
      id: 'compare-eps',
      title: 'Adversarial distance ε* (L2), both runs',
      description: 'The distribution of ε* over each run’s susceptible images, overlaid.',
      onExportPng,
    });
    this.ratios = new ChartCard({
      id: 'compare-ratio',
      title: 'ε* per image, run B against run A',
      description: 'Images susceptible in both runs; above the line, B needs a larger perturbation than A.',
      onExportPng,
    });
    this.element = h(
      'div',
      { class: 'rl-compare' },
      h('header', { class: 'rl-section' }, this.title, this.lead),
      h(
        'section',
        { class: 'rl-section', 'aria-labelledby': 'compare-summary-title' },
        h('h2', { id: 'compare-summary-title', text: 'Summary with deltas' }),
        h(
          'div',
          { class: 'rl-card rl-table-wrap' },
          h(
            'table',
            { class: 'rl-table', 'data-testid': 'compare-table' },
            h('caption', { text: 'The paper’s Table 1 for both runs; Δ = B − A' }),
            h('thead', {}, h('tr', {}, ...['Measure', 'A', 'B', 'Δ (B − A)'].map((t) => h('th', { scope: 'col', text: t })))),
            this.table,
          ),
        ),
      ),
      h(
        'section',
        { class: 'rl-section', 'aria-labelledby': 'compare-charts-title' },
        h('h2', { id: 'compare-charts-title', text: 'Adversarial distances' }),
        h('div', { class: 'rl-chart-grid rl-chart-grid-2' }, this.violins.element, this.ratios.element),
        h('div', { class: 'rl-card' }, h('h3', { text: 'Per-image ratio ε*_B / ε*_A' }), this.ratioFacts),
      ),
    );
  }

  get cards(): ChartCard[] {
    return [this.violins, this.ratios];
  }

  update(compare: CompareReport, theme: ChartTheme): void {
    const { a, b, common, ratio } = compare;
    this.title.textContent = `${a.name} vs ${b.name}`;
    this.lead.textContent =
      `A: ${a.model} on ${a.data} (${a.attack}). B: ${b.model} on ${b.data} (${b.attack}). ` +
      `${count(common.images)} images in both runs, ${count(common.susceptibleBoth)} susceptible in both` +
      (common.susceptibleBoth ? `: B’s ε* is ${plainNumber(ratio.median)}× A’s at the median.` : '.');
    replaceChildren(
      this.table,
      ...compare.measures.map((m) =>
        h(
          'tr',
          { 'data-key': m.key },
          h('th', { scope: 'row', text: m.label }),
          h('td', { text: measureText(m, m.a) }),
          h('td', { text: measureText(m, m.b) }),
          h('td', { text: deltaText(m), class: m.delta === 0 ? 'rl-muted' : '' }),
        ),
      ),
    );
    const facts: [string, string][] = [
      ['Images susceptible in both', count(common.susceptibleBoth)],
      ['Only in A / only in B', `${count(common.susceptibleA - common.susceptibleBoth)} / ${count(common.susceptibleB - common.susceptibleBoth)}`],
    ];
    if (common.susceptibleBoth) {
      facts.push(
        ['Median (quartiles)', `${plainNumber(ratio.median)} (${plainNumber(ratio.q1)}–${plainNumber(ratio.q3)})`],
        ['Geometric mean', plainNumber(ratio.geometricMean)],
        ['B larger / equal / smaller', `${count(ratio.larger)} / ${count(ratio.equal)} / ${count(ratio.smaller)}`],
      );
    }
    replaceChildren(this.ratioFacts, ...facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
    this.drawViolins(compare, theme);
    this.drawRatios(compare, theme);
  }

  private drawViolins(compare: CompareReport, theme: ChartTheme): void {
    const violin = (label: string, values: number[], color: string) => ({
      type: 'violin' as const,
      label,
      data: [values],
      backgroundColor: withAlpha(color, 0.3),
      borderColor: color,
      borderWidth: 1.5,
      itemRadius: values.length <= 400 ? 1.8 : 0,
      itemBackgroundColor: withAlpha(color, 0.7),
      itemBorderColor: withAlpha(color, 0.7),
      outlierRadius: 0,
      meanRadius: 0,
      medianColor: color,
    });
    const config = {
      type: 'violin',
      data: {
        labels: ['ε* (L2)'],
        datasets: [violin(`A: ${compare.a.name}`, compare.a.eps, theme.measured), violin(`B: ${compare.b.name}`, compare.b.eps, theme.predicted)],
      },
      options: { ...baseOptions(theme, true), scales: { x: categoryAxis(theme), y: valueAxis(theme, 'ε* (L2, pixel units)') } },
    } as unknown as ChartConfiguration;
    const median = (s: CompareReport['a']) => (s.summary.adversarial.susceptible ? plainNumber(s.summary.adversarial.l2.median) : '—');
    const any = compare.a.eps.length + compare.b.eps.length > 0;
    this.violins.draw(any ? config : null, `A: ${count(compare.a.eps.length)} susceptible images, median ε* ${median(compare.a)}; B: ${count(compare.b.eps.length)}, median ${median(compare.b)}.`, 'Neither run has a susceptible image.');
  }

  private drawRatios(compare: CompareReport, theme: ChartTheme): void {
    const points = compare.images.map((image) => ({ x: image.epsA, y: image.epsB }));
    const largest = points.reduce((m, p) => Math.max(m, p.x, p.y), 0);
    const config = {
      type: 'line',
      data: {
        datasets: [
          { label: 'one image', data: points, showLine: false, pointRadius: 2.5, borderColor: theme.measured, backgroundColor: withAlpha(theme.measured, 0.6) },
          { label: 'no change (B = A)', data: [{ x: 0, y: 0 }, { x: largest, y: largest }], borderColor: theme.reference, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
        ],
      },
      options: {
        ...baseOptions(theme, true),
        scales: { x: { ...valueAxis(theme, 'ε* in A'), type: 'linear' as const }, y: valueAxis(theme, 'ε* in B') },
      },
    } as unknown as ChartConfiguration;
    this.ratios.draw(
      points.length ? config : null,
      points.length ? `${count(points.length)} images: median ratio ${plainNumber(compare.ratio.median)}, ${count(compare.ratio.larger)} with a larger ε* in B, ${count(compare.ratio.smaller)} smaller.` : 'No image is susceptible in both runs.',
      'No image is susceptible in both runs.',
    );
  }
}
