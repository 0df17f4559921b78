/** The per-image table: filter bar (text, class, correct, susceptibility), row count and the virtual grid. */
import type { Report } from '../../src/protocol/report';
import { h, replaceChildren, throttle } from '../dom';
import { imageColumns, type Column } from '../table/columns';
import { isFiltered, noFilter, queryRows, type CorrectFilter, type ImageFilter, type SortOrder, type SusceptibilityFilter } from '../table/query';
import { VirtualGrid } from '../table/virtualGrid';

export interface ImagesViewEvents {
  onOpen(file: string): void;
  onViewChange(): void;
}

type Select = HTMLElement & { value: string };

function option(value: string, label: string): HTMLElement {
  return h('vscode-option', { value }, label);
}

function labelled(text: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'rl-field' }, h('span', { class: 'rl-field-label', text }), control);
}

export class ImagesView {
  readonly section: HTMLElement;
  readonly grid: VirtualGrid;
  filter: ImageFilter = { ...noFilter };
  sort: SortOrder = { key: 'index', direction: 'ascending' };
  private report: Report | null = null;
  private columns: Column[] = [];
  private columnsKey = '';
  private classesKey = '';
  private readonly search: HTMLElement & { value: string };
  private readonly classSelect: Select;
  private readonly correctSelect: Select;
  private readonly susceptibilitySelect: Select;
  private readonly count: HTMLElement;
  private readonly layout: HTMLElement;
  /** `best` reports only: shows each attack's ε* and ratio columns, which make the table scroll sideways. */
  private readonly eachAttackToggle: HTMLElement;
  private readonly eachAttackBox: HTMLInputElement;

  constructor(detail: HTMLElement, private readonly events: ImagesViewEvents) {
    this.grid = new VirtualGrid('Analysed images', {
      onSort: (key) => this.toggleSort(key),
      onOpen: (position) => {
        const record = this.report?.images[position];
        if (record) this.events.onOpen(record.file);
      },
      onScroll: () => this.events.onViewChange(),
    });
    this.search = h('vscode-textfield', { type: 'search', placeholder: 'File name contains…', label: 'Filter by file name', 'data-testid': 'filter-text' }) as HTMLElement & { value: string };
    this.classSelect = h('vscode-single-select', { label: 'Class', 'data-testid': 'filter-class' }, option('all', 'All classes')) as Select;
    this.correctSelect = h(
      'vscode-single-select',
      { label: 'Prediction', 'data-testid': 'filter-correct' },
      option('all', 'All predictions'),
      option('correct', 'Correct'),
      option('incorrect', 'Incorrect'),
    ) as Select;
    this.susceptibilitySelect = h(
      'vscode-single-select',
      { label: 'Susceptibility', 'data-testid': 'filter-susceptibility' },
      option('all', 'All images'),
      option('susceptible', 'Adversarially susceptible'),
      option('not-susceptible', 'Not susceptible (correct)'),
      option('random', 'Flipped by a random perturbation'),
    ) as Select;
    const clear = h('vscode-button', { secondary: true, 'data-testid': 'filter-clear' }, 'Clear filters');
    this.count = h('p', { class: 'rl-count', 'aria-live': 'polite', 'data-testid': 'row-count' });
    this.eachAttackBox = h('input', { type: 'checkbox', 'data-testid': 'toggle-each-attack' }) as HTMLInputElement;
    this.eachAttackToggle = h('label', { class: 'rl-toggle', hidden: true, title: 'Adds seven columns; the table then scrolls sideways. Each attack’s ε* is also in the Smallest cell’s tooltip.' }, this.eachAttackBox, h('span', { text: 'Each attack’s ε* and ratio to fgm-line' }));
    this.eachAttackBox.addEventListener('change', () => {
      if (this.report) this.update(this.report);
      this.events.onViewChange();
    });

    const applyText = throttle(() => this.setFilter({ text: this.search.value }), 120);
    this.search.addEventListener('input', applyText);
    this.classSelect.addEventListener('change', () => this.setFilter({ label: this.classSelect.value === 'all' ? null : Number(this.classSelect.value) }));
    this.correctSelect.addEventListener('change', () => this.setFilter({ correct: this.correctSelect.value as CorrectFilter }));
    this.susceptibilitySelect.addEventListener('change', () => this.setFilter({ susceptibility: this.susceptibilitySelect.value as SusceptibilityFilter }));
    clear.addEventListener('click', () => {
      this.syncControls(noFilter);
      this.setFilter(noFilter);
    });

    this.section = h(
      'section',
      { id: 'images', class: 'rl-section', 'aria-labelledby': 'images-title' },
      h('h2', { id: 'images-title', text: 'Images' }),
      h('p', { class: 'rl-lead', text: 'Click a column header to sort; click a row, or press Enter on the focused row, to open its pictures.' }),
      h('div', { class: 'rl-filters', role: 'search', 'aria-label': 'Filter images' }, labelled('Search', this.search), labelled('Class', this.classSelect), labelled('Prediction', this.correctSelect), labelled('Susceptibility', this.susceptibilitySelect), clear),
      h('div', { class: 'rl-count-row' }, this.count, this.eachAttackToggle),
      (this.layout = h('div', { class: 'rl-images-layout' }, this.grid.element, detail)),
    );
  }

  /** Whether a `best` report's per-attack columns are asked for. */
  get eachAttack(): boolean {
    return this.eachAttackBox.checked;
  }

  /** Restores a saved view (before the first update). */
  restore(filter: ImageFilter, sort: SortOrder, scrollTop: number, eachAttack: boolean): void {
    this.filter = { ...noFilter, ...filter };
    this.sort = sort;
    this.eachAttackBox.checked = eachAttack;
    this.syncControls();
    this.grid.setSort(sort);
    requestAnimationFrame(() => {
      this.grid.scrollTop = scrollTop;
    });
  }

  update(report: Report): void {
    this.report = report;
    const comparesAttacks = report.config.attack === 'best';
    const eachAttack = comparesAttacks && this.eachAttackBox.checked;
    this.eachAttackToggle.hidden = !comparesAttacks;
    this.layout.classList.toggle('rl-images-layout-attacks', comparesAttacks);
    const columnsKey = `${report.config.alphas.join(',')}|${report.config.classes.join('\u0000')}|${report.config.samples}|${report.config.attack}|${eachAttack}`;
    if (columnsKey !== this.columnsKey) {
      this.columnsKey = columnsKey;
      this.columns = imageColumns(report.config, eachAttack);
      if (!this.columns.some((c) => c.key === this.sort.key)) this.sort = { key: 'index', direction: 'ascending' };
      this.grid.setColumns(this.columns, this.sort);
    }
    const classesKey = report.config.classes.join('\u0000');
    if (classesKey !== this.classesKey) {
      this.classesKey = classesKey;
      replaceChildren(this.classSelect, option('all', 'All classes'), ...report.config.classes.map((name, i) => option(String(i), name)));
      this.syncControls();
    }
    this.refresh();
  }

  private setFilter(change: Partial<ImageFilter>): void {
    this.filter = { ...this.filter, ...change };
    this.refresh();
    this.grid.scrollTop = 0;
  }

  private toggleSort(key: string): void {
    const direction = this.sort.key === key && this.sort.direction === 'ascending' ? 'descending' : 'ascending';
    this.sort = { key, direction };
    this.grid.setSort(this.sort);
    this.refresh();
    this.grid.scrollTop = 0;
  }

  private syncControls(filter: ImageFilter = this.filter): void {
    this.search.value = filter.text;
    this.classSelect.value = filter.label === null ? 'all' : String(filter.label);
    this.correctSelect.value = filter.correct;
    this.susceptibilitySelect.value = filter.susceptibility;
  }

  private refresh(): void {
    if (!this.report) return;
    const images = this.report.images;
    const order = queryRows(images, this.filter, this.sort, this.columns);
    this.grid.setRows(images, order);
    const total = images.length.toLocaleString('en-US');
    this.count.textContent = isFiltered(this.filter) ? `Showing ${order.length.toLocaleString('en-US')} of ${total} images` : `${total} images`;
    this.events.onViewChange();
  }
}
