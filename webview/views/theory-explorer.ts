/**
 * The paper's theory, explorable: the two-balls and two-half-balls models (its Sections 4.2 and 5)
 * simulated for parameters the user picks, the measured accuracy, adversarial susceptibility,
 * random-destabilisation probability (and, for two balls, universality) drawn against the
 * theorems' bounds across dimensions. The simulation runs off the page's thread (the host's
 * `simulateTheory`); a newer Simulate supersedes one still running, even one the page refuses.
 */
import type { ChartConfiguration } from 'chart.js';
import { defaultTheoryParameters, theorem20Limit, validateTheoryParameters, type TheoryModel, type TheoryParameters, type TheoryRow } from '../../src/engine/two-balls';
import { percent } from '../../src/report/format';
import { ChartCard } from '../charts/card';
import { baseOptions, valueAxis } from '../charts/options';
import { readChartTheme, type ChartTheme } from '../charts/theme';
import { h, replaceChildren } from '../dom';
import type { TheoryAnswer } from '../host';

interface Field {
  key: 'epsilon' | 'radius' | 'delta' | 'gamma' | 'points' | 'perturbations';
  label: string;
  step: string;
}

/** The models' parameters as the paper names them (Sections 4.2 and 5), and the sample sizes. */
const fields: Field[] = [
  { key: 'epsilon', label: 'ε (centres, or flat faces, at ±ε)', step: '0.01' },
  { key: 'radius', label: 'r (random perturbations uniform in the r-ball)', step: '0.1' },
  { key: 'delta', label: 'δ (adversarial budget, Theorems 5 and 18)', step: '0.01' },
  { key: 'gamma', label: 'γ (destabilisation margin, Theorem 8)', step: '0.01' },
  { key: 'points', label: 'data points per dimension', step: '100' },
  { key: 'perturbations', label: 'random perturbations per dimension', step: '10' },
];

/** "2, 5, 10 …" → [2, 5, 10]; anything that is not a number stays NaN for the validator to name. */
function parseDimensions(text: string): number[] {
  return text.split(/[\s,;]+/).filter(Boolean).map(Number);
}

export class TheoryExplorer {
  readonly section: HTMLElement;
  private readonly card: ChartCard;
  private readonly model: HTMLSelectElement;
  private readonly inputs = new Map<Field['key'], HTMLInputElement>();
  private readonly dimensions: HTMLInputElement;
  /** Counts Simulate presses: only the latest one's answer is drawn. */
  private latest = 0;
  private readonly message = h('p', { class: 'rl-muted', role: 'status', 'data-testid': 'theory-sim-status' });
  private readonly table = h('tbody');
  private rows: TheoryRow[] = [];
  private params: TheoryParameters = { ...defaultTheoryParameters, points: 1000, perturbations: 100 };

  constructor(
    onExportPng: (card: ChartCard) => void,
    private readonly simulateOffThread: (parameters: TheoryParameters) => Promise<TheoryAnswer>,
  ) {
    this.card = new ChartCard({
      id: 'theory-simulation',
      title: 'Simulated model against the theorems’ bounds',
      description: 'Solid: measured on sampled data; dashed: the bound (accuracy and susceptibility at least, random flips at most, universality at least); dotted: random flips at least (Theorem 20, touching half-balls).',
      onExportPng,
    });
    this.model = h('select', { 'data-testid': 'theory-model', 'aria-label': 'Model' }, h('option', { value: 'two-balls', text: 'Two balls (Section 4.2)' }), h('option', { value: 'two-half-balls', text: 'Two half-balls (Section 5)' }));
    const controls = fields.map((field) => {
      const input = h('input', { type: 'number', step: field.step, value: String(this.params[field.key]), 'data-testid': `theory-${field.key}` });
      this.inputs.set(field.key, input);
      return h('label', { class: 'rl-theory-field' }, h('span', { text: field.label }), input);
    });
    this.dimensions = h('input', { type: 'text', value: this.params.dimensions.join(', '), 'data-testid': 'theory-dimensions', inputmode: 'numeric' });
    controls.push(h('label', { class: 'rl-theory-field' }, h('span', { text: 'dimensions d' }), this.dimensions));
    const run = h('button', { type: 'button', 'data-testid': 'theory-simulate', text: 'Simulate' });
    run.addEventListener('click', () => void this.simulate());
    this.section = h(
      'div',
      { class: 'rl-theory-explorer', 'data-testid': 'theory-explorer' },
      h('h3', { text: 'The paper’s models, simulated' }),
      h('p', {
        class: 'rl-lead',
        text: 'Two classes drawn uniformly from unit balls (or half-balls) whose centres (flat faces) sit at ±ε on the first axis, classified by the sign of that coordinate. As the dimension grows, almost every point is correct and within δ of the boundary, yet random perturbations of radius r almost never flip it — unless the half-balls touch (ε = 0).',
      }),
      h('div', { class: 'rl-theory-controls' }, h('label', { class: 'rl-theory-field' }, h('span', { text: 'Model' }), this.model), ...controls, run),
      this.message,
      h('div', { class: 'rl-chart-grid' }, this.card.element),
      h(
        'div',
        { class: 'rl-table-wrap' },
        h(
          'table',
          { class: 'rl-table', 'data-testid': 'theory-sim-table' },
          h('caption', { text: 'Measured (bounds) per dimension' }),
          h('thead', {}, h('tr', {}, ...['d', 'Accuracy', 'Susceptible within δ', 'Random flip', 'Universality'].map((t) => h('th', { scope: 'col', text: t })))),
          this.table,
        ),
      ),
    );
  }

  /** Reads the controls, has the host sample the model at every dimension, and draws the latest answer. */
  async simulate(): Promise<void> {
    const next: TheoryParameters = { ...this.params, model: this.model.value as TheoryModel, dimensions: parseDimensions(this.dimensions.value) };
    for (const field of fields) next[field.key] = Number(this.inputs.get(field.key)?.value);
    next.points = Math.round(next.points);
    next.perturbations = Math.round(next.perturbations);
    const request = ++this.latest;
    const problem = validateTheoryParameters(next);
    if (problem) {
      // The refused request still goes to the host: it supersedes a simulation still running (now
      // stale), whose worker the host stops, and the host refuses it too without starting another.
      void this.simulateOffThread(next);
      this.setBusy(false);
      this.message.textContent = `Not simulated: ${problem}.`;
      return;
    }
    this.setBusy(true);
    this.message.textContent = `Simulating ${next.dimensions.length} dimension${next.dimensions.length === 1 ? '' : 's'} off the page’s thread…`;
    const answer = await this.simulateOffThread(next);
    if (request !== this.latest || 'superseded' in answer) return;
    this.setBusy(false);
    if ('error' in answer) {
      this.message.textContent = `Not simulated: ${answer.error}.`;
      return;
    }
    this.params = next;
    this.rows = answer.rows;
    const limit = next.model === 'two-half-balls' && next.epsilon === 0 ? ` Theorem 20: random flips stay at least ${percent(theorem20Limit(next.radius))} as d → ∞.` : '';
    this.message.textContent = `${next.points.toLocaleString('en-US')} points and ${next.perturbations} random perturbations per dimension, seed ${next.seed}.${limit}`;
    this.draw(readChartTheme());
  }

  private setBusy(busy: boolean): void {
    this.section.setAttribute('aria-busy', String(busy));
    this.section.classList.toggle('rl-busy', busy);
  }

  draw(theme: ChartTheme): void {
    if (this.rows.length === 0) {
      this.card.draw(null, 'Press Simulate to sample the model.', 'Press Simulate to sample the model.');
      return;
    }
    const series = [
      { label: 'accuracy', measured: (r: TheoryRow) => r.accuracy, bound: (r: TheoryRow) => r.accuracyBound, color: theme.reference },
      { label: 'susceptible within δ', measured: (r: TheoryRow) => r.susceptibility, bound: (r: TheoryRow) => r.susceptibilityBound, color: theme.measured },
      { label: 'random flip', measured: (r: TheoryRow) => r.randomFlip, bound: (r: TheoryRow) => r.randomFlipBound, color: theme.predicted },
    ];
    if (this.params.model === 'two-balls') series.push({ label: 'universality', measured: (r) => r.universality ?? 0, bound: (r) => r.universalityBound ?? 0, color: theme.foreground });
    const datasets = series.flatMap((s) => [
      { type: 'line' as const, label: `${s.label}, measured`, data: this.rows.map((r) => ({ x: r.dimension, y: 100 * s.measured(r) })), borderColor: s.color, backgroundColor: s.color, pointRadius: 3, borderWidth: 2 },
      { type: 'line' as const, label: `${s.label}, bound`, data: this.rows.map((r) => ({ x: r.dimension, y: 100 * s.bound(r) })), borderColor: s.color, backgroundColor: s.color, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
    ]);
    if (this.rows.some((r) => r.randomFlipLowerBound !== null)) {
      const data = this.rows.map((r) => ({ x: r.dimension, y: r.randomFlipLowerBound === null ? null : 100 * r.randomFlipLowerBound }));
      datasets.push({ type: 'line' as const, label: 'random flip, at least (Theorem 20)', data, borderColor: theme.predicted, backgroundColor: theme.predicted, borderDash: [2, 3], pointRadius: 0, borderWidth: 1.5 } as (typeof datasets)[number]);
    }
    const config = {
      type: 'line',
      data: { datasets },
      options: {
        ...baseOptions(theme, true),
        scales: {
          x: { type: 'logarithmic' as const, title: { display: true, text: 'dimension d', color: theme.muted }, ticks: { color: theme.foreground }, grid: { color: theme.grid } },
          y: { ...valueAxis(theme, 'probability (%)'), max: 100 },
        },
      },
    } as unknown as ChartConfiguration;
    const last = this.rows[this.rows.length - 1];
    const atLeast = last.randomFlipLowerBound === null ? '' : `, at least ${percent(last.randomFlipLowerBound)}`;
    this.card.draw(config, `At d = ${last.dimension}: accuracy ${percent(last.accuracy)}, susceptible within δ ${percent(last.susceptibility)}, random flip ${percent(last.randomFlip)} (at most ${percent(last.randomFlipBound)}${atLeast}).`);
    const cell = (measured: number | null, bound: string) => (measured === null ? '—' : `${percent(measured)} (${bound})`);
    const flipBounds = (r: TheoryRow) => `≤ ${percent(r.randomFlipBound)}${r.randomFlipLowerBound === null ? '' : `, ≥ ${percent(r.randomFlipLowerBound)}`}`;
    replaceChildren(
      this.table,
      ...this.rows.map((r) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row', text: r.dimension.toLocaleString('en-US') }),
          h('td', { text: cell(r.accuracy, `≥ ${percent(r.accuracyBound)}`) }),
          h('td', { text: cell(r.susceptibility, `≥ ${percent(r.susceptibilityBound)}`) }),
          h('td', { text: cell(r.randomFlip, flipBounds(r)) }),
          h('td', { text: cell(r.universality, `≥ ${percent(r.universalityBound ?? 0)}`) }),
        ),
      ),
    );
  }
}
