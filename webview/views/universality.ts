/**
 * Universality of the adversarial perturbations (the paper's Theorem 8): per class, how often one
 * image's perturbation ε*·v flips the other correctly classified images of its class, against a
 * random direction of the same norm; the distribution over source images as violins.
 */
import type { ChartConfiguration } from 'chart.js';
import type { Report, UniversalityReport } from '../../src/protocol/report';
import { percent, rateText } from '../../src/report/format';
import { ChartCard } from '../charts/card';
import { baseOptions, categoryAxis, valueAxis } from '../charts/options';
import { withAlpha, type ChartTheme } from '../charts/theme';
import { h, replaceChildren } from '../dom';

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function violin(label: string, values: number[][], color: string) {
  return {
    type: 'violin' as const,
    label,
    data: values,
    backgroundColor: withAlpha(color, 0.28),
    borderColor: color,
    borderWidth: 1.5,
    itemRadius: 1.8,
    itemBackgroundColor: withAlpha(color, 0.75),
    itemBorderColor: withAlpha(color, 0.75),
    outlierRadius: 0,
    meanRadius: 0,
    medianColor: color,
  };
}

/** The sentence under the title: what was measured, or why not. */
export function universalityLead(report: Report): string {
  const u = report.universality;
  if (!u) {
    return report.status === 'running'
      ? 'Measured after the last image: each susceptible image’s adversarial perturbation is tried on the other images of its class.'
      : 'Not measured in this run (run the check with --universality to measure it).';
  }
  if (u.status === 'skipped') return `Not measured: ${u.reason ?? 'no reason recorded'}.`;
  return `Each susceptible image’s adversarial perturbation ε*·v, added to the other correctly classified images of its class, flipped ${rateText(u.flips, u.pairs)} of ${count(u.pairs)} image pairs; a random direction of the same norm flipped ${rateText(u.baselineFlips, u.pairs)}. At most ${count(u.targetsPerClass)} targets per class; the measure cost about ${percent(u.costFraction)} of the run’s forward passes.`;
}

export class UniversalityView {
  readonly section: HTMLElement;
  private readonly lead: HTMLElement;
  private readonly card: ChartCard;
  private readonly table: HTMLTableSectionElement;
  private readonly measured: HTMLElement;

  constructor(onExportPng: (card: ChartCard) => void) {
    this.card = new ChartCard({
      id: 'universality',
      title: 'Flip rate of one image’s perturbation on the others of its class',
      description: 'Per source image, the share of its class’s targets its adversarial perturbation flips; the random baseline uses a random direction of the same norm.',
      onExportPng,
    });
    this.lead = h('p', { class: 'rl-lead', 'data-testid': 'universality-lead' });
    this.table = h('tbody');
    this.measured = h(
      'div',
      {},
      h('div', { class: 'rl-chart-grid' }, this.card.element),
      h(
        'div',
        { class: 'rl-table-wrap' },
        h(
          'table',
          { class: 'rl-table', 'data-testid': 'universality-table' },
          h('caption', { text: 'Per class: sources (susceptible images), targets (correct images tried), flip rates' }),
          h('thead', {}, h('tr', {}, ...['Class', 'Sources', 'Targets', 'Pairs', 'Adversarial flip rate', 'Random baseline', 'Per source: median (quartiles)'].map((t) => h('th', { scope: 'col', text: t })))),
          this.table,
        ),
      ),
    );
    this.section = h(
      'section',
      { id: 'universality', class: 'rl-section', 'aria-labelledby': 'universality-title' },
      h('h2', { id: 'universality-title', text: 'Universality of the adversarial perturbations (Theorem 8)' }),
      this.lead,
      this.measured,
    );
  }

  get cards(): ChartCard[] {
    return [this.card];
  }

  update(report: Report, theme: ChartTheme): void {
    this.lead.textContent = universalityLead(report);
    const u = report.universality;
    this.measured.hidden = !u || u.status !== 'measured';
    if (!u || u.status !== 'measured') return;
    this.drawChart(u, theme);
    replaceChildren(
      this.table,
      ...u.classes.map((c) =>
        h(
          'tr',
          { 'data-label': c.label },
          h('th', { scope: 'row', text: c.name }),
          h('td', { text: count(c.sources) }),
          h('td', { text: c.targets < c.correct ? `${count(c.targets)} of ${count(c.correct)}` : count(c.targets) }),
          h('td', { text: count(c.pairs) }),
          h('td', { text: rateText(c.flips, c.pairs), title: `${count(c.flips)} of ${count(c.pairs)} pairs` }),
          h('td', { text: rateText(c.baselineFlips, c.pairs), title: `${count(c.baselineFlips)} of ${count(c.pairs)} pairs` }),
          h('td', { text: `${percent(c.sourceRates.median)} (${percent(c.sourceRates.q1)}–${percent(c.sourceRates.q3)})` }),
        ),
      ),
    );
  }

  private drawChart(u: UniversalityReport, theme: ChartTheme): void {
    const labels = u.classes.map((c) => c.name);
    const ratesOf = (label: number, flipsOf: (s: UniversalityReport['sources'][number]) => number) =>
      u.sources.filter((s) => s.label === label && s.targets > 0).map((s) => (100 * flipsOf(s)) / s.targets);
    const config = {
      type: 'violin',
      data: {
        labels,
        datasets: [
          violin('adversarial perturbation ε*·v', u.classes.map((c) => ratesOf(c.label, (s) => s.flips)), theme.measured),
          violin('random direction, same norm', u.classes.map((c) => ratesOf(c.label, (s) => s.baselineFlips)), theme.reference),
        ],
      },
      options: {
        ...baseOptions(theme, true),
        scales: { x: categoryAxis(theme, 'class of the source image'), y: valueAxis(theme, 'targets flipped (%)', (v) => `${Number(v.toPrecision(3))} %`) },
      },
    } as unknown as ChartConfiguration;
    const summary = u.classes.map((c) => `${c.name}: ${rateText(c.flips, c.pairs)} against ${rateText(c.baselineFlips, c.pairs)} at random, median per source ${percent(c.sourceRates.median)}`).join('; ');
    this.card.draw(u.sources.length ? config : null, `${summary}.`, 'No source image to draw.');
  }
}
