/**
 * One chart on the page: a titled card with the canvas, a text summary that doubles as the
 * canvas's accessible description, and a PNG export button.
 */
import { Chart, type ChartConfiguration } from 'chart.js';
import { h } from '../dom';
import { registerCharts } from './register';

export interface ChartCardOptions {
  id: string;
  title: string;
  /** What the chart shows, in a sentence (under the title). */
  description: string;
  onExportPng: (card: ChartCard) => void;
}

export class ChartCard {
  readonly element: HTMLElement;
  readonly id: string;
  readonly title: string;
  private readonly canvas: HTMLCanvasElement;
  private readonly summary: HTMLElement;
  private readonly empty: HTMLElement;
  private chart: Chart | null = null;

  constructor(o: ChartCardOptions) {
    registerCharts();
    this.id = o.id;
    this.title = o.title;
    const summaryId = `chart-${o.id}-summary`;
    this.canvas = h('canvas', { role: 'img', 'aria-label': o.title, 'aria-describedby': summaryId, 'data-testid': `chart-${o.id}` });
    this.summary = h('p', { class: 'rl-chart-summary', id: summaryId });
    this.empty = h('p', { class: 'rl-chart-empty', hidden: true });
    const exportButton = h('vscode-button', { secondary: true, 'aria-label': `Export “${o.title}” as PNG`, 'data-testid': `export-png-${o.id}` }, 'PNG');
    exportButton.addEventListener('click', () => o.onExportPng(this));
    this.element = h(
      'figure',
      { class: 'rl-card rl-chart-card', 'data-chart': o.id },
      h('div', { class: 'rl-card-head' }, h('figcaption', {}, h('h3', { text: o.title }), h('p', { class: 'rl-muted', text: o.description })), exportButton),
      h('div', { class: 'rl-chart-box' }, this.canvas, this.empty),
      this.summary,
    );
  }

  /** Draws the chart (or updates it in place), or shows `emptyMessage` instead when there is nothing to draw. */
  draw(config: ChartConfiguration | null, summary: string, emptyMessage = 'Nothing to draw yet.'): void {
    this.summary.textContent = summary;
    this.empty.hidden = config !== null;
    this.empty.textContent = config ? '' : emptyMessage;
    this.canvas.hidden = config === null;
    if (!config) {
      this.chart?.destroy();
      this.chart = null;
      return;
    }
    if (this.chart && (this.chart.config as { type?: string }).type === config.type) {
      this.chart.data = config.data;
      this.chart.options = config.options ?? {};
      this.chart.update('none');
    } else {
      this.chart?.destroy();
      this.chart = new Chart(this.canvas, config);
    }
  }

  /** The chart as a PNG data URL on an opaque background (a transparent PNG is unreadable in the other theme). */
  toPng(background: string): string {
    const out = document.createElement('canvas');
    out.width = this.canvas.width;
    out.height = this.canvas.height;
    const context = out.getContext('2d');
    if (!context) return this.canvas.toDataURL('image/png');
    context.fillStyle = background;
    context.fillRect(0, 0, out.width, out.height);
    context.drawImage(this.canvas, 0, 0);
    return out.toDataURL('image/png');
  }

  get hasChart(): boolean {
    return this.chart !== null;
  }
}
