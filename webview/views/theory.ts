/**
 * Random flips against α, held against the flat-boundary theory (PROTOCOL.md "The theory"): the
 * measured per-image flip rates with the cap-fraction prediction overlaid, and how many random
 * samples one would expect to need for a single flip.
 */
import type { ChartConfiguration } from 'chart.js';
import type { Report } from '../../src/protocol/report';
import { fromLog10, nbsp, percent, rateText } from '../../src/report/format';
import { log10MeanOfPowers } from '../../src/report/prediction';
import { ChartCard } from '../charts/card';
import { alphaStats, median, type AlphaStats } from '../charts/data';
import { baseOptions, categoryAxis, valueAxis } from '../charts/options';
import { withAlpha, type ChartTheme } from '../charts/theme';
import { notMeasuredSentence, notMeasuredText, nothingMeasured } from './not-measured';
import { h, replaceChildren } from '../dom';
import type { TheoryParameters } from '../../src/engine/two-balls';
import type { TheoryAnswer } from '../host';
import { TheoryExplorer } from './theory-explorer';
import { rareEventStats } from './rare-event-data';

const superscriptDigits = '⁰¹²³⁴⁵⁶⁷⁸⁹';

function powerOfTen(exponent: number): string {
  if (!Number.isInteger(exponent)) return '';
  if (exponent >= 0 && exponent <= 3) return String(10 ** exponent);
  const digits = String(Math.abs(exponent)).replace(/\d/g, (d) => superscriptDigits[Number(d)]);
  return `10${exponent < 0 ? '⁻' : ''}${digits}`;
}

function violinDataset(label: string, values: number[][], color: string, itemRadius: number) {
  return {
    type: 'violin' as const,
    label,
    data: values,
    backgroundColor: withAlpha(color, 0.28),
    borderColor: color,
    borderWidth: 1.5,
    itemRadius,
    itemBackgroundColor: withAlpha(color, 0.75),
    itemBorderColor: withAlpha(color, 0.75),
    outlierRadius: 0,
    meanRadius: 0,
    medianColor: color,
  };
}

function lineDataset(label: string, values: (number | null)[], color: string, dashed: boolean) {
  return {
    type: 'line' as const,
    label,
    data: values,
    borderColor: color,
    backgroundColor: color,
    borderWidth: 2,
    borderDash: dashed ? [6, 4] : [],
    pointRadius: 3.5,
    pointStyle: dashed ? ('rectRot' as const) : ('circle' as const),
    spanGaps: false,
  };
}

/**
 * log10 of the flat-boundary chance over images: the mean (log-sum-exp) for h = ε*, and the median
 * for h = ε* − Δ — an image whose ε* is the first step has h ∈ (0, Δ], P = ½ at h = 0, and a mean
 * would be that one image's ½ divided by the image count, whatever α.
 */
function meanPredictions(stats: AlphaStats): AlphaMeans {
  return {
    atEps: log10MeanOfPowers(stats.predictions.map((p) => p.log10AtEps)),
    oneStepCloser: stats.predictions.length ? median(stats.predictions.map((p) => p.log10OneStepCloser)) : -Infinity,
  };
}

export class TheoryView {
  readonly section: HTMLElement;
  private readonly rateCard: ChartCard;
  private readonly samplesCard: ChartCard;
  private readonly rareCard: ChartCard;
  private readonly table: HTMLTableSectionElement;
  private readonly explorer: TheoryExplorer;

  constructor(onExportPng: (card: ChartCard) => void, simulateTheory: (parameters: TheoryParameters) => Promise<TheoryAnswer>) {
    this.explorer = new TheoryExplorer(onExportPng, simulateTheory);
    this.rateCard = new ChartCard({
      id: 'flip-rate',
      title: 'Random flip rate against α',
      description: 'Per susceptible image, the share of random perturbations that flip it; lines: pooled measured rate and the flat-boundary prediction.',
      onExportPng,
    });
    this.samplesCard = new ChartCard({
      id: 'samples-to-flip',
      title: 'Random samples for one flip',
      description: 'Measured samples per flip (images with a flip) against the flat-boundary expectation 1/P (the same for every image: h/r = 1/α), on a log scale.',
      onExportPng,
    });
    this.rareCard = new ChartCard({
      id: 'rare-event',
      title: 'Flip probability far below 1/N (rare-event estimates)',
      description:
        'Per susceptible image, the flip probability estimated by multilevel splitting (--rare-event), on a log scale; lines: the median estimate, the middle of the images’ 95 % intervals, the flat-boundary prediction and the Monte Carlo pooled rate.',
      onExportPng,
    });
    this.rareCard.element.hidden = true;
    this.table = h('tbody');
    this.section = h(
      'section',
      { id: 'theory', class: 'rl-section', 'aria-labelledby': 'theory-title' },
      h('h2', { id: 'theory-title', text: 'Random flips against the flat-boundary theory' }),
      h('p', {
        class: 'rl-lead',
        text: 'If the decision boundary were a hyperplane at distance h = ε*, a perturbation uniform in the ball of radius α·ε* would flip the image with the cap fraction P(1/α, d) of the unit d-ball, which falls exponentially with the input dimension d. The line search only brackets the boundary, so h can be up to one step Δ = maxEps/scales closer; that case is drawn dashed.',
      }),
      h('div', { class: 'rl-chart-grid rl-chart-grid-2' }, this.rateCard.element, this.samplesCard.element),
      this.rareCard.element,
      h(
        'div',
        { class: 'rl-table-wrap' },
        h(
          'table',
          { class: 'rl-table', 'data-testid': 'theory-table' },
          h('caption', { text: 'Measured against predicted, per α' }),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['α', 'Images with a flip', 'Measured flip rate', 'Flat boundary P (h = ε*)', 'P (h = ε* − Δ), median', 'Expected samples (h = ε*)', 'Measured samples per flip, median'].map((t) =>
                h('th', { scope: 'col', text: t }),
              ),
            ),
          ),
          this.table,
        ),
      ),
      this.explorer.section,
    );
  }

  get cards(): ChartCard[] {
    return this.rareCard.element.hidden ? [this.rateCard, this.samplesCard] : [this.rateCard, this.samplesCard, this.rareCard];
  }

  update(report: Report, theme: ChartTheme): void {
    this.explorer.draw(theme);
    const stats = alphaStats(report);
    const labels = stats.map((s) => `α = ${s.alpha}`);
    const anyMeasured = stats.some((s) => s.measured > 0);
    const means = stats.map(meanPredictions);
    const few = stats.reduce((n, s) => n + s.measured, 0) <= 400 ? 1.8 : 0;
    const nothingYet = nothingMeasured(report) ? notMeasuredText(report) : null;
    const empty = nothingYet ? notMeasuredSentence(report) : 'No random perturbations measured yet (no susceptible image).';

    const rateConfig = {
      type: 'violin',
      data: {
        labels,
        datasets: [
          violinDataset('per image, measured', stats.map((s) => s.rates.map((r) => r * 100)), theme.measured, few),
          lineDataset('pooled measured rate', stats.map((s) => (s.trials ? (100 * s.flips) / s.trials : null)), theme.measured, false),
          lineDataset('flat boundary, h = ε*', means.map((m) => (m.atEps === -Infinity ? 0 : 100 * 10 ** m.atEps)), theme.predicted, false),
          lineDataset('flat boundary, h = ε* − Δ', means.map((m) => (m.oneStepCloser === -Infinity ? 0 : 100 * 10 ** m.oneStepCloser)), theme.predicted, true),
        ],
      },
      options: {
        ...baseOptions(theme, true),
        scales: { x: categoryAxis(theme, 'random perturbation radius α·ε*'), y: valueAxis(theme, 'flip rate (%)', (v) => `${Number(v.toPrecision(3))} %`) },
      },
    } as unknown as ChartConfiguration;
    this.rateCard.draw(
      anyMeasured ? rateConfig : null,
      nothingYet ? empty : stats.map((s, i) => `α = ${s.alpha}: measured ${rateText(s.flips, s.trials)}, flat boundary ${fromLog10(means[i].atEps + 2)} %`).join('; ') + '.',
      empty,
    );

    const log10Samples = stats.map((s) => (s.trials && s.measured ? Math.log10(s.trials / s.measured) : null));
    const samplesConfig = {
      type: 'violin',
      data: {
        labels,
        datasets: [
          violinDataset('measured, samples per flip', stats.map((s) => s.log10SamplesPerFlip), theme.measured, few),
          lineDataset('flat boundary 1/P, h = ε*', means.map((m) => (Number.isFinite(m.atEps) ? -m.atEps : null)), theme.predicted, false),
          lineDataset('samples drawn per image', log10Samples, theme.reference, true),
        ],
      },
      options: {
        ...baseOptions(theme, true),
        scales: { x: categoryAxis(theme, 'random perturbation radius α·ε*'), y: valueAxis(theme, 'random samples (log scale)', powerOfTen) },
      },
    } as unknown as ChartConfiguration;
    this.samplesCard.draw(
      anyMeasured ? samplesConfig : null,
      nothingYet
        ? empty
        : stats
            .map((s, i) => {
              const measured = s.log10SamplesPerFlip.length ? `measured median ${fromLog10(median(s.log10SamplesPerFlip))}` : 'no flip measured';
              return `α = ${s.alpha}: ${measured}, flat boundary ${fromLog10(-means[i].atEps)}`;
            })
            .join('; ') + '.',
      empty,
    );

    this.drawRareEvents(report, theme, stats, means);

    if (nothingYet) {
      replaceChildren(this.table, ...stats.map((s) => h('tr', { 'data-alpha': s.alpha }, h('th', { scope: 'row', text: String(s.alpha) }), h('td', { colspan: '6', class: 'rl-muted', text: nothingYet }))));
      return;
    }
    replaceChildren(
      this.table,
      ...stats.map((s, i) =>
        h(
          'tr',
          { 'data-alpha': s.alpha },
          h('th', { scope: 'row', text: String(s.alpha) }),
          h('td', { text: `${s.flipped} of ${s.measured}` }),
          h('td', { text: rateText(s.flips, s.trials), title: `${s.flips.toLocaleString('en-US')} flips in ${s.trials.toLocaleString('en-US')} random perturbations` }),
          h('td', { text: probabilityText(means[i].atEps) }),
          h('td', { text: probabilityText(means[i].oneStepCloser) }),
          h('td', { text: fromLog10(-means[i].atEps) }),
          h('td', { text: s.log10SamplesPerFlip.length ? fromLog10(median(s.log10SamplesPerFlip)) : '—' }),
        ),
      ),
    );
  }

  /** The rare-event card, shown only when the run made estimates. */
  private drawRareEvents(report: Report, theme: ChartTheme, stats: AlphaStats[], means: AlphaMeans[]): void {
    const rare = rareEventStats(report);
    this.rareCard.element.hidden = rare.every((entry) => entry.estimates.length === 0 && entry.upperBounds.length === 0);
    if (this.rareCard.element.hidden) return;
    const labels = rare.map((entry) => `α = ${entry.alpha}`);
    const finiteOrNull = (value: number | null) => (value !== null && Number.isFinite(value) ? value : null);
    const config = {
      type: 'violin',
      data: {
        labels,
        datasets: [
          violinDataset('per image, estimate', rare.map((entry) => entry.estimates), theme.measured, 1.8),
          lineDataset('median estimate', rare.map((entry) => finiteOrNull(entry.median)), theme.measured, false),
          lineDataset('median 95 % interval, lower end', rare.map((entry) => finiteOrNull(entry.medianLower)), theme.reference, true),
          lineDataset('median 95 % interval, upper end', rare.map((entry) => finiteOrNull(entry.medianUpper)), theme.reference, true),
          lineDataset('budget ran out: median upper bound', rare.map((entry) => finiteOrNull(entry.medianBound)), theme.muted, true),
          lineDataset('flat boundary, h = ε*', means.map((m) => finiteOrNull(m.atEps)), theme.predicted, false),
          lineDataset(
            'Monte Carlo pooled rate',
            stats.map((s) => (s.trials && s.flips ? Math.log10(s.flips / s.trials) : null)),
            theme.foreground,
            false,
          ),
        ],
      },
      options: {
        ...baseOptions(theme, true),
        scales: {
          x: categoryAxis(theme, 'random perturbation radius α·ε*'),
          y: { ...valueAxis(theme, 'flip probability (log scale)', powerOfTen), beginAtZero: false },
        },
      },
    } as unknown as ChartConfiguration;
    this.rareCard.draw(
      config,
      rare
        .map((entry, i) => {
          const estimate = entry.median === null ? 'no estimate reached the flip level' : `median estimate ${fromLog10(entry.median)}`;
          const bounds = entry.upperBounds.length ? `, ${entry.upperBounds.length} only bounded (budget ran out)` : '';
          return `α = ${entry.alpha}: ${estimate} over ${entry.estimates.length} images${bounds}, flat boundary ${fromLog10(means[i].atEps)}`;
        })
        .join('; ') + '.',
    );
  }
}

export interface AlphaMeans {
  atEps: number;
  oneStepCloser: number;
}

function probabilityText(log10: number): string {
  if (log10 === -Infinity) return '0';
  return log10 > -4 ? percent(10 ** log10) : `${fromLog10(log10 + 2)}${nbsp}%`;
}

