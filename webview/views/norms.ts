/**
 * Violin plots of perturbation norms per class: the adversarial perturbation in L2, L1 and L∞
 * (the paper's Figures 8–10), and the smallest flipping random perturbation per α beside the
 * adversarial one (Figure 13).
 */
import type { ChartConfiguration } from 'chart.js';
import type { Report } from '../../src/protocol/report';
import { className } from '../../src/report/csv';
import { plainNumber } from '../../src/report/format';
import { ChartCard } from '../charts/card';
import { adversarialByClass, chartClasses, median, minFlipByClass, normLabels, type NormKey } from '../charts/data';
import { baseOptions, categoryAxis, valueAxis } from '../charts/options';
import { withAlpha, type ChartTheme } from '../charts/theme';
import { notMeasuredSentence, nothingMeasured } from './not-measured';
import { h } from '../dom';

const norms: NormKey[] = ['l2', 'l1', 'linf'];

interface ViolinSeries {
  label: string;
  color: string;
  values: number[][];
}

function violinConfig(theme: ChartTheme, labels: string[], series: ViolinSeries[], axisTitle: string): ChartConfiguration {
  const points = series.reduce((n, s) => n + s.values.reduce((m, v) => m + v.length, 0), 0);
  return {
    type: 'violin',
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label,
        data: s.values,
        backgroundColor: withAlpha(s.color, 0.28),
        borderColor: s.color,
        borderWidth: 1.5,
        // Individual images stay visible while there are few of them.
        itemRadius: points <= 400 ? 1.8 : 0,
        itemBackgroundColor: withAlpha(s.color, 0.75),
        itemBorderColor: withAlpha(s.color, 0.75),
        outlierRadius: 0,
        meanRadius: 0,
        medianColor: s.color,
      })),
    },
    options: {
      ...baseOptions(theme, series.length > 1),
      scales: { x: categoryAxis(theme), y: valueAxis(theme, axisTitle) },
    },
  } as ChartConfiguration;
}

function describe(labels: string[], values: number[][]): string {
  return labels.map((label, i) => (values[i].length ? `${label}: median ${plainNumber(median(values[i]))} (n = ${values[i].length})` : `${label}: none`)).join('; ');
}

export class NormsView {
  readonly adversarialSection: HTMLElement;
  readonly randomSection: HTMLElement;
  private readonly adversarialCards: ChartCard[];
  private readonly randomCards: ChartCard[];
  private readonly classNote: HTMLElement;

  constructor(onExportPng: (card: ChartCard) => void) {
    this.adversarialCards = norms.map(
      (norm) =>
        new ChartCard({
          id: `adversarial-${norm}`,
          title: `Adversarial ${normLabels[norm]}`,
          description: `${normLabels[norm]} norm of the smallest flipping perturbation along the gradient, per class.`,
          onExportPng,
        }),
    );
    this.randomCards = norms.map(
      (norm) =>
        new ChartCard({
          id: `random-${norm}`,
          title: `Smallest random flip, ${normLabels[norm]}`,
          description: `${normLabels[norm]} norm of the smallest flipping random perturbation per α, beside the adversarial one.`,
          onExportPng,
        }),
    );
    this.classNote = h('p', { class: 'rl-muted', hidden: true });
    this.adversarialSection = h(
      'section',
      { id: 'norms', class: 'rl-section', 'aria-labelledby': 'norms-title' },
      h('h2', { id: 'norms-title', text: 'Adversarial perturbation norms' }),
      h('p', { class: 'rl-lead', text: 'How far each susceptible image is from a flip along the loss gradient, in pixel units ([0, 1] per channel).' }),
      this.classNote,
      h('div', { class: 'rl-chart-grid' }, ...this.adversarialCards.map((c) => c.element)),
    );
    this.randomSection = h(
      'section',
      { id: 'random', class: 'rl-section', 'aria-labelledby': 'random-title' },
      h('h2', { id: 'random-title', text: 'Smallest flipping random perturbation' }),
      h('p', { class: 'rl-lead', text: 'Random perturbations are drawn uniformly from the ball of radius α·ε*; only images with at least one flip at an α appear in its violin.' }),
      h('div', { class: 'rl-chart-grid' }, ...this.randomCards.map((c) => c.element)),
    );
  }

  get cards(): ChartCard[] {
    return [...this.adversarialCards, ...this.randomCards];
  }

  update(report: Report, theme: ChartTheme): void {
    const classes = chartClasses(report);
    const labels = classes.map((c) => className(report.config.classes, c));
    const total = report.config.classes.length;
    this.classNote.hidden = classes.length >= total || classes.length === 0;
    this.classNote.textContent = `Showing the ${classes.length} classes with the most susceptible images, of ${total}.`;
    const nothingYet = nothingMeasured(report) ? notMeasuredSentence(report) : null;
    const noData = nothingYet ?? 'No susceptible image yet: nothing was attacked successfully.';

    norms.forEach((norm, i) => {
      const adversarial = adversarialByClass(report, norm, classes);
      const axis = `${normLabels[norm]} norm`;
      this.adversarialCards[i].draw(
        classes.length ? violinConfig(theme, labels, [{ label: 'adversarial', color: theme.adversarial, values: adversarial }], axis) : null,
        classes.length ? `Adversarial ${normLabels[norm]} per class — ${describe(labels, adversarial)}.` : noData,
        noData,
      );

      const withFlips = report.config.alphas
        .map((alpha, j) => ({ alpha, color: theme.alphas[j % theme.alphas.length], values: minFlipByClass(report, norm, alpha, classes) }))
        .filter((s) => s.values.some((v) => v.length > 0));
      const without = report.config.alphas.filter((a) => !withFlips.some((s) => s.alpha === a));
      const series: ViolinSeries[] = [
        { label: 'adversarial (ε*)', color: theme.reference, values: adversarial },
        ...withFlips.map((s) => ({ label: `random, α = ${s.alpha}`, color: s.color, values: s.values })),
      ];
      const noFlipText = without.length ? ` No random flip at α = ${without.join(', ')}.` : '';
      const text =
        nothingYet ??
        (withFlips.length
        ? withFlips.map((s) => `α = ${s.alpha}: ${describe(labels, s.values)}`).join('. ') + `.${noFlipText}`
        : `No random perturbation flipped any image at α = ${report.config.alphas.join(', ')}.`);
      this.randomCards[i].draw(withFlips.length && classes.length ? violinConfig(theme, labels, series, axis) : null, text, text);
    });
  }
}
