/**
 * The attacks side by side, for a `--attack best` report: the paper's Table 1 adversarial rows
 * per attack, violins of ε* per attack, and of the per-image ratio ε*_attack / ε*_fgm-line — how
 * far the paper's single-gradient line search overstates the distance to the boundary.
 * Hidden for a report of one attack (it holds no other attack's ε*).
 */
import type { ChartConfiguration } from 'chart.js';
import type { Report } from '../../src/protocol/report';
import { meanStd, plainNumber, rateText } from '../../src/report/format';
import { attackRows, type AttackRow } from '../charts/attack-data';
import { ChartCard } from '../charts/card';
import { baseOptions, categoryAxis, valueAxis } from '../charts/options';
import { withAlpha, type ChartTheme } from '../charts/theme';
import { h, replaceChildren } from '../dom';

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Values to 12 significant digits: the violin plugin samples its density from min to max in steps
 * of (max − min)/100, and never ends when that step is below the values' float resolution (ratios
 * equal but for rounding, e.g. on a linear model). Rounded, such a range is exactly 0.
 */
function drawable(values: number[][]): number[][] {
  return values.map((series) => series.map((value) => Number(value.toPrecision(12))));
}

function violin(theme: ChartTheme, labels: string[], raw: number[][], label: string, axisTitle: string, color: string): ChartConfiguration {
  const values = drawable(raw);
  const points = values.reduce((n, v) => n + v.length, 0);
  return {
    type: 'violin',
    data: {
      labels,
      datasets: [
        {
          label,
          data: values,
          backgroundColor: withAlpha(color, 0.28),
          borderColor: color,
          borderWidth: 1.5,
          itemRadius: points <= 600 ? 1.8 : 0,
          itemBackgroundColor: withAlpha(color, 0.75),
          itemBorderColor: withAlpha(color, 0.75),
          outlierRadius: 0,
          meanRadius: 0,
          medianColor: color,
        },
      ],
    },
    options: { ...baseOptions(theme, false), scales: { x: categoryAxis(theme), y: valueAxis(theme, axisTitle) } },
  } as ChartConfiguration;
}

function cell(text: string, testId: string, numeric = true): HTMLTableCellElement {
  return h('td', { class: numeric ? 'rl-value' : '', text, 'data-testid': testId });
}

function ratioText(ratio: number | null): string {
  return ratio === null ? '—' : `${plainNumber(ratio)}×`;
}

export class AttacksView {
  readonly section: HTMLElement;
  private readonly head: HTMLTableSectionElement;
  private readonly table: HTMLTableSectionElement;
  private readonly note: HTMLElement;
  private readonly epsCard: ChartCard;
  private readonly ratioCard: ChartCard;

  constructor(onExportPng: (card: ChartCard) => void) {
    this.head = h('thead');
    this.table = h('tbody');
    this.note = h('p', { class: 'rl-muted', 'data-testid': 'attacks-note' });
    this.epsCard = new ChartCard({ id: 'attack-eps', title: 'ε* per attack', description: 'L2 norm of the smallest flipping perturbation each attack found, per image it flipped.', onExportPng });
    this.ratioCard = new ChartCard({
      id: 'attack-ratio',
      title: 'ε* relative to fgm-line',
      description: 'Per image, ε*_attack / ε*_fgm-line on the images both flip: below 1, the paper’s attack overstated the distance.',
      onExportPng,
    });
    this.section = h(
      'section',
      { id: 'attacks', class: 'rl-section', 'aria-labelledby': 'attacks-title', hidden: true, 'data-testid': 'attacks-section' },
      h('h2', { id: 'attacks-title', text: 'Attacks compared' }),
      h('p', { class: 'rl-lead', text: 'fgm-line, deepfool, ddn and fmn on every correctly classified image; each image keeps the smallest flipping perturbation, and the Summary’s random perturbations were drawn at that ε*.' }),
      h(
        'div',
        { class: 'rl-card rl-table-wrap' },
        h(
          'table',
          { class: 'rl-table rl-table1', 'data-testid': 'attacks-table' },
          h('caption', { text: 'Adversarial rows of the paper’s Table 1, per attack' }),
          this.head,
          this.table,
        ),
        this.note,
      ),
      h('div', { class: 'rl-chart-grid' }, this.epsCard.element, this.ratioCard.element),
    );
  }

  get cards(): ChartCard[] {
    return [this.epsCard, this.ratioCard];
  }

  update(report: Report, theme: ChartTheme): void {
    const rows = attackRows(report);
    this.section.hidden = rows.length === 0;
    if (rows.length === 0) return;
    const alphas = rows[0].random?.map((entry) => entry.alpha) ?? [];
    const columns = ['Attack', 'Adversarial susceptibility', 'ε* (L2), mean (std)', 'median ε*', 'median ε* / ε*_fgm-line', 'smallest on', ...alphas.map((alpha) => `random α = ${alpha}`)];
    replaceChildren(this.head, h('tr', {}, ...columns.map((text) => h('th', { scope: 'col', text }))));
    replaceChildren(this.table, ...rows.map((row) => this.row(row)));
    const best = report.summary.adversarial;
    const randomNote = alphas.length
      ? 'random α: of the images each attack flipped, those a random perturbation of radius α·ε*_attack flipped.'
      : 'Random perturbations were drawn at the smallest ε* only (the Summary’s rates); --random-per-attack draws them at every attack’s ε*.';
    this.note.textContent = `best (the smallest of the ${rows.length}): ${rateText(best.susceptible, report.summary.correct)} susceptible, median ε* ${plainNumber(best.l2.median)}. ${randomNote}`;

    const labels = rows.map((row) => row.attack);
    const eps = rows.map((row) => row.eps);
    const epsText = rows.map((row) => `${row.attack}: ${row.eps.length ? `median ${plainNumber(row.stats.median)} (n = ${row.eps.length})` : 'no flip'}`).join('; ');
    this.epsCard.draw(eps.some((v) => v.length) ? violin(theme, labels, eps, 'ε*', 'L2 norm ε*', theme.adversarial) : null, `ε* per attack — ${epsText}.`, 'No attack flipped any image.');

    const compared = rows.filter((row) => row.attack !== 'fgm-line');
    const ratioSummary = compared.map((row) => `${row.attack}: ${row.ratios.length ? `median ${ratioText(row.medianRatio)} (n = ${row.ratios.length})` : 'no image flipped by both'}`).join('; ');
    const hasRatios = compared.some((row) => row.ratios.length > 0);
    this.ratioCard.draw(
      hasRatios ? violin(theme, compared.map((row) => row.attack), compared.map((row) => row.ratios), 'ε* / ε*_fgm-line', 'ε*_attack / ε*_fgm-line', theme.alphas[0]) : null,
      hasRatios ? `Ratio to fgm-line per image — ${ratioSummary}.` : 'fgm-line flipped no image another attack flipped: no ratio to show.',
      'fgm-line flipped no image another attack flipped: no ratio to show.',
    );
  }

  private row(row: AttackRow): HTMLTableRowElement {
    const id = (what: string) => `attacks-${row.attack}-${what}`;
    return h(
      'tr',
      {},
      h('th', { scope: 'row', text: row.attack }),
      cell(`${rateText(row.susceptible, row.correct)} (${count(row.susceptible)} of ${count(row.correct)})`, id('rate')),
      cell(row.eps.length ? meanStd(row.stats.mean, row.stats.std) : '—', id('mean')),
      cell(row.eps.length ? plainNumber(row.stats.median) : '—', id('median')),
      cell(row.attack === 'fgm-line' ? '1×' : ratioText(row.medianRatio), id('ratio')),
      cell(count(row.wins), id('wins')),
      ...(row.random ?? []).map((entry) => cell(`${rateText(entry.susceptible, entry.measured)} (${count(entry.susceptible)} of ${count(entry.measured)})`, id(`random-${entry.alpha}`))),
    );
  }
}
