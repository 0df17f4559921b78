/** The report page: wires the host's messages to the store and the store to the views. */
import { dispatchMessage, type MessageHandlers } from '../src/protocol/handlers';
import type { ImageDetail } from '../src/protocol/messages';
import type { Report } from '../src/protocol/report';
import type { ChartCard } from './charts/card';
import { readChartTheme } from './charts/theme';
import { h, replaceChildren, throttle } from './dom';
import { Exporter } from './exports';
import { embeddedCompare, showCompare } from './compare-app';
import { createHost, type DetailAnswer, type Host, type PageMessage } from './host';
import { ReportStore } from './store';
import { defaultSort, noFilter, type ImageFilter, type SortOrder } from './table/query';
import { DetailView } from './views/detail';
import { HeaderView, type ExportKind } from './views/header';
import { ImagesView } from './views/images';
import { NormsView } from './views/norms';
import { AttacksView } from './views/attacks';
import { SummaryView } from './views/summary';
import { TheoryView } from './views/theory';
import { UniversalityView } from './views/universality';

/** What survives hiding the panel or reloading the page. */
interface ViewState {
  filter: ImageFilter;
  sort: SortOrder;
  selected: string | null;
  scrollTop: number;
  /** A `best` report's per-attack columns shown. */
  eachAttack: boolean;
}

function savedState(value: unknown): ViewState | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Partial<ViewState>;
  return { filter: { ...noFilter, ...(v.filter ?? {}) }, sort: v.sort ?? defaultSort, selected: v.selected ?? null, scrollTop: v.scrollTop ?? 0, eachAttack: v.eachAttack === true };
}

export class App {
  private readonly store = new ReportStore();
  private readonly header: HeaderView;
  private readonly summary = new SummaryView();
  private readonly norms: NormsView;
  private readonly attacks: AttacksView;
  private readonly theory: TheoryView;
  private readonly universality: UniversalityView;
  private readonly detail: DetailView;
  private readonly images: ImagesView;
  private readonly exporter: Exporter;
  private readonly drawn = new Map<string, ImageDetail>();
  private readonly restored: ViewState | null;
  private mounted = false;
  private readonly renderSoon = throttle(() => this.render(), 400);
  private readonly saveSoon = throttle(() => this.saveState(), 200);

  constructor(
    private readonly root: HTMLElement,
    private readonly host: Host,
  ) {
    const exportPng = (card: ChartCard) => this.runExport(() => this.exporter.png(this.report(), card, readChartTheme().background));
    this.header = new HeaderView((kind) => this.exportReport(kind));
    this.norms = new NormsView(exportPng);
    this.attacks = new AttacksView(exportPng);
    this.theory = new TheoryView(exportPng, (parameters) => host.simulateTheory(parameters));
    this.universality = new UniversalityView(exportPng);
    this.detail = new DetailView({ onClose: () => this.select(null), openImage: host.openImage });
    this.images = new ImagesView(this.detail.element, { onOpen: (file) => this.select(file), onViewChange: () => this.saveSoon() });
    this.exporter = new Exporter(host, () => [...this.drawn.values()]);
    this.restored = savedState(host.getState());
    this.store.onChange(() => (this.mounted ? this.renderSoon() : this.mount()));
  }

  start(): void {
    this.host.start((message) => this.onMessage(message));
    this.watchTheme();
  }

  /** What the page shows for each message the host passes on (it settles the answers to its own requests). */
  private readonly handlers: MessageHandlers<PageMessage> = {
    report: (message) => this.store.setReport(message.report),
    image: (message) => this.store.addImage(message.record, message.summary, { done: message.done, total: message.total }),
    compare: (message) => showCompare(this.root, message.compare, this.host),
  };

  private onMessage(message: PageMessage): void {
    dispatchMessage(this.handlers, message);
  }

  private report(): Report {
    if (!this.store.report) throw new Error('no report loaded yet');
    return this.store.report;
  }

  private mount(): void {
    if (!this.store.report) return;
    this.mounted = true;
    replaceChildren(this.root, this.header.element, this.summary.section, this.norms.adversarialSection, this.attacks.section, this.norms.randomSection, this.theory.section, this.universality.section, this.images.section, h('footer', { class: 'rl-footer rl-muted', text: 'Norms in pixel space [0, 1] per channel, whatever the model’s own preprocessing. Zero counts are shown as one-sided 95 % Clopper–Pearson upper bounds.' }));
    this.root.removeAttribute('aria-busy');
    const state = this.restored;
    if (state) this.images.restore(state.filter, state.sort, state.scrollTop, state.eachAttack);
    this.render();
    if (state?.selected && this.store.record(state.selected)) this.select(state.selected, false);
  }

  private render(): void {
    const report = this.store.report;
    if (!report) return;
    const theme = readChartTheme();
    this.header.update(report, this.store.progress);
    this.summary.update(report);
    this.norms.update(report, theme);
    this.attacks.update(report, theme);
    this.theory.update(report, theme);
    this.universality.update(report, theme);
    this.images.update(report);
    // A new report may lack the image on display.
    if (this.detail.current && !this.store.record(this.detail.current)) this.select(null);
  }

  private select(file: string | null, reveal = true): void {
    this.images.grid.setSelected(file);
    const record = file ? this.store.record(file) : undefined;
    if (!file || !record) this.detail.showEmpty();
    else {
      if (reveal) this.images.grid.reveal(file);
      void this.detail.show(this.report(), record, this.requestDetail(file));
    }
    this.saveSoon();
  }

  private async requestDetail(file: string): Promise<DetailAnswer> {
    const cached = this.drawn.get(file);
    if (cached) return { detail: cached };
    const answer = await this.host.requestDetail(file);
    if ('detail' in answer) this.drawn.set(file, answer.detail);
    return answer;
  }

  private saveState(): void {
    const state: ViewState = { filter: this.images.filter, sort: this.images.sort, selected: this.detail.current, scrollTop: this.images.grid.scrollTop, eachAttack: this.images.eachAttack };
    this.host.setState(state);
  }

  private exportReport(kind: ExportKind): void {
    const report = this.report();
    this.runExport(() => (kind === 'csv' ? this.exporter.csv(report) : kind === 'json' ? this.exporter.json(report) : this.exporter.html(report)));
  }

  private runExport(run: () => Promise<string>): void {
    this.header.say('Exporting…');
    run().then(
      (message) => this.header.say(message),
      (error: Error) => this.header.say(`Export failed: ${error.message}`, true),
    );
  }

  /** Charts take their colours from the theme: redraw when VS Code switches theme or the OS scheme changes. */
  private watchTheme(): void {
    const redraw = () => this.mounted && this.render();
    new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] });
    new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);
  }
}

export function startApp(root: HTMLElement): void {
  try {
    const compare = embeddedCompare();
    if (compare) showCompare(root, compare, createHost());
    else new App(root, createHost()).start();
  } catch (error) {
    root.removeAttribute('aria-busy');
    replaceChildren(root, h('p', { class: 'rl-error', role: 'alert', text: `The report could not be shown: ${(error as Error).message}` }));
  }
}
