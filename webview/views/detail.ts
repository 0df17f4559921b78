/**
 * One image in detail, the paper's Figures 11–12: original, adversarial, the perturbation
 * scaled to be seen, and a random perturbation of the same L2 norm that does not flip, each with the
 * model's outputs; beside them the image's numbers and, per α, the measured flips against the
 * flat-boundary expectation.
 */
import type { ImageDetail, PictureData } from '../../src/protocol/messages';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { className } from '../../src/report/csv';
import { fromLog10, intervalText, nbsp, plainNumber, rateText } from '../../src/report/format';
import { perturbationCaption } from '../../src/report/perturbation-caption';
import { predictFlatBoundary } from '../../src/report/prediction';
import { h, replaceChildren, type Child } from '../dom';
import type { DetailAnswer } from '../host';
import { pictureToDataUrl } from '../picture';
import { rareEventIntervalText, rareEventSentence } from '../../src/report/rare-event-text';
import { rareEventStrip, stripRange } from './rare-event-strip';

const shownOutputs = 3;

function outputsList(outputs: number[] | null, classes: string[], label: number): HTMLElement {
  if (!outputs) return h('p', { class: 'rl-muted', text: 'model outputs not recorded' });
  const ranked = outputs.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p);
  const top = ranked[0]?.i;
  return h(
    'ul',
    { class: 'rl-outputs', 'aria-label': 'Model outputs' },
    ...ranked.slice(0, shownOutputs).map(({ p, i }) => {
      const bar = h('span', { class: 'rl-output-bar' });
      bar.style.setProperty('--rl-share', String(Math.max(0, Math.min(1, p))));
      return h(
        'li',
        { class: `${i === top ? 'rl-top' : ''} ${i === label ? 'rl-true' : ''}`.trim() },
        h('span', { class: 'rl-output-name', text: className(classes, i), title: i === label ? 'true class' : '' }),
        bar,
        h('span', { class: 'rl-output-value', text: `${(p * 100).toFixed(p >= 0.9995 || p < 0.0005 ? 3 : 1)}${nbsp}%` }),
      );
    }),
  );
}

/** `outputs` undefined: the picture is not a model input (the perturbation), so no outputs are listed. */
function figure(title: string, caption: string, picture: PictureData | null, outputs: number[] | null | undefined, classes: string[], label: number): HTMLElement {
  const image = picture
    ? h('img', { src: pictureToDataUrl(picture), alt: `${title}: ${caption}`, width: picture.width, height: picture.height, 'data-testid': 'detail-image', class: picture.width < 160 ? 'rl-pixelated' : '' })
    : h('div', { class: 'rl-picture-missing', text: 'not available' });
  return h('figure', { class: 'rl-picture' }, image, h('figcaption', {}, h('strong', { text: title }), h('span', { class: 'rl-muted', text: caption }), outputs === undefined ? null : outputsList(outputs, classes, label)));
}

function facts(rows: [string, Child][]): HTMLElement {
  return h('dl', { class: 'rl-facts' }, ...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

export interface DetailViewEvents {
  onClose(): void;
  openImage: ((file: string) => void) | null;
}

export class DetailView {
  readonly element: HTMLElement;
  private file: string | null = null;

  constructor(private readonly events: DetailViewEvents) {
    this.element = h('aside', { class: 'rl-card rl-detail', 'aria-label': 'Image detail', 'aria-live': 'polite', 'data-testid': 'detail' });
    this.showEmpty();
  }

  get current(): string | null {
    return this.file;
  }

  showEmpty(): void {
    this.file = null;
    replaceChildren(
      this.element,
      h('h3', { text: 'Image detail' }),
      h('p', { class: 'rl-muted', text: 'Select an image in the table to see it beside its adversarial version, the perturbation and a random perturbation of the same size, with the model’s outputs for each.' }),
    );
  }

  /** Shows the record at once and the pictures when `answer` arrives (ignored if another image was opened meanwhile). */
  async show(report: Report, record: ImageRecord, answer: Promise<DetailAnswer>): Promise<void> {
    this.file = record.file;
    const pictures = h('div', { class: 'rl-pictures', 'aria-busy': 'true' }, h('p', { class: 'rl-muted', text: 'Drawing the pictures…' }));
    replaceChildren(this.element, ...this.header(report, record), pictures, this.numbers(report, record));
    const result = await answer;
    if (this.file !== record.file) return;
    pictures.removeAttribute('aria-busy');
    if ('unavailable' in result) {
      replaceChildren(pictures, h('p', { class: 'rl-note', 'data-testid': 'detail-note', text: result.unavailable }));
      return;
    }
    try {
      replaceChildren(pictures, ...this.figures(report, record, result.detail));
    } catch (error) {
      replaceChildren(pictures, h('p', { class: 'rl-note', 'data-testid': 'detail-note', text: `The pictures could not be drawn: ${(error as Error).message}` }));
    }
  }

  private header(report: Report, record: ImageRecord): HTMLElement[] {
    const { classes } = report.config;
    const close = h('vscode-button', { secondary: true, 'aria-label': 'Close the detail', 'data-testid': 'detail-close' }, 'Close');
    close.addEventListener('click', () => this.events.onClose());
    const actions: HTMLElement[] = [close];
    if (this.events.openImage) {
      const open = h('vscode-button', { secondary: true, 'data-testid': 'detail-open' }, 'Open file');
      open.addEventListener('click', () => this.events.openImage!(record.file));
      actions.unshift(open);
    }
    const status = !record.correct ? ['misclassified', 'rl-pill-bad'] : record.adversarial ? ['susceptible', 'rl-pill-warn'] : ['not susceptible', 'rl-pill-good'];
    return [
      h('div', { class: 'rl-detail-head' }, h('h3', { class: 'rl-file', text: record.file, title: record.file, 'data-testid': 'detail-file' }), h('div', { class: 'rl-actions' }, ...actions)),
      h(
        'p',
        { class: 'rl-pills' },
        h('span', { class: 'rl-pill', text: `class ${className(classes, record.label)}` }),
        h('span', { class: 'rl-pill', text: `predicted ${className(classes, record.predicted)}` }),
        h('span', { class: `rl-pill ${status[1]}`, text: status[0] }),
      ),
    ];
  }

  private figures(report: Report, record: ImageRecord, detail: ImageDetail): HTMLElement[] {
    const { classes } = report.config;
    const eps = record.adversarial?.eps;
    const out: HTMLElement[] = [figure('Original', `predicted ${className(classes, record.predicted)}`, detail.original, detail.outputs.original, classes, record.label)];
    if (detail.adversarial) out.push(figure('Adversarial', eps !== undefined ? `L2 = ε* = ${plainNumber(eps)}` : 'gradient step', detail.adversarial, detail.outputs.adversarial, classes, record.label));
    if (detail.perturbation) out.push(figure('Perturbation', perturbationCaption(detail.amplification), detail.perturbation, undefined, classes, record.label));
    if (detail.randomPerturbed) out.push(figure('Random, same L2', 'does not flip the prediction', detail.randomPerturbed, detail.outputs.randomPerturbed, classes, record.label));
    const grid = h('div', { class: 'rl-picture-grid' }, ...out);
    return detail.note ? [grid, h('p', { class: 'rl-note', text: detail.note })] : [grid];
  }

  private numbers(report: Report, record: ImageRecord): HTMLElement {
    const a = record.adversarial;
    if (!a) {
      const why = !record.correct ? 'Misclassified images are not attacked (the protocol perturbs correctly classified images only).' : `Not susceptible: ${record.reason ?? `no flip within ε ≤ ${report.config.maxEps}`}.`;
      return h('div', { class: 'rl-detail-numbers' }, h('p', { class: 'rl-note', text: why }));
    }
    const { dimension, maxEps, scales } = report.config;
    const predictions = record.random.map((r) => predictFlatBoundary(a.eps, r.alpha, dimension, maxEps / scales));
    const withEstimates = record.random.some((r) => r.rareEvent);
    const range = stripRange(record.random, predictions.map((p) => p.log10AtEps));
    const rows = record.random.map((r, i) => {
      const p = predictions[i];
      const estimate = r.rareEvent;
      const rareCells = withEstimates
        ? [
            h('td', { class: 'rl-nowrap', 'data-testid': 'detail-rare-event', text: estimate ? rareEventIntervalText(estimate) : '—', title: estimate ? `${estimate.forwardPasses.toLocaleString('en-US')} forward passes, ${estimate.method}` : '' }),
            h('td', {}, rareEventStrip(r, p.log10AtEps, range)),
          ]
        : [];
      return h(
        'tr',
        {},
        h('th', { scope: 'row', text: String(r.alpha) }),
        h('td', { class: 'rl-nowrap', text: `${r.flips.toLocaleString('en-US')} / ${r.samples.toLocaleString('en-US')}` }),
        h('td', { class: 'rl-nowrap', text: rateText(r.flips, r.samples), title: intervalText(r.flips, r.samples) }),
        h('td', { text: `${fromLog10(-p.log10AtEps)} … ${fromLog10(-p.log10OneStepCloser)}` }),
        ...rareCells,
      );
    });
    const sentences = record.random.flatMap((r) => (r.rareEvent ? [h('li', { text: `${rareEventSentence(r.alpha, r.rareEvent)}.` })] : []));
    return h(
      'div',
      { class: 'rl-detail-numbers' },
      facts([
        ['ε* (L2)', plainNumber(a.eps)],
        ['L1', plainNumber(a.l1)],
        ['L∞', plainNumber(a.linf)],
        ['direction from', a.loss],
      ]),
      h(
        'table',
        { class: 'rl-table rl-compact', 'data-testid': 'detail-alpha-table' },
        h('caption', { text: 'Random perturbations of radius α·ε*' }),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col', text: 'α' }), h('th', { scope: 'col', text: 'Flips' }), h('th', { scope: 'col', text: 'Rate' }), h('th', { scope: 'col', text: 'Flat boundary 1/P', title: 'Expected random samples per flip if the boundary were a hyperplane at h = ε* … ε* − Δ' }),
            ...(withEstimates
              ? [
                  h('th', { scope: 'col', text: 'Rare-event p (95 %)', title: 'Flip probability estimated by multilevel splitting (--rare-event)' }),
                  h('th', { scope: 'col', text: 'On a log axis', title: 'Bar with dot: rare-event estimate and interval; lower bar: Monte Carlo Clopper–Pearson interval; line: flat boundary (h = ε*)' }),
                ]
              : [])),
        ),
        h('tbody', {}, ...rows),
      ),
      sentences.length ? h('ul', { class: 'rl-rare-sentences', 'data-testid': 'detail-rare-sentences' }, ...sentences) : null,
    );
  }
}
