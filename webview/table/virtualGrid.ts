/**
 * The per-image table as an ARIA grid that renders only the rows in view (plus a margin), so
 * 50 000 images cost a few dozen DOM rows. Rows are recycled while scrolling; the keyboard moves
 * an active row (arrows, Page Up/Down, Home/End) and Enter or Space opens it.
 */
import type { ImageRecord } from '../../src/protocol/report';
import { h } from '../dom';
import { middleEllipsisParts, type Column } from './columns';
import type { SortOrder } from './query';

export interface GridEvents {
  onSort(key: string): void;
  onOpen(position: number): void;
  onScroll(scrollTop: number): void;
}

const overscan = 8;

export class VirtualGrid {
  readonly element: HTMLDivElement;
  readonly rowHeight = 26;
  private readonly headRow: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly pool: HTMLDivElement[] = [];
  private columns: Column[] = [];
  private images: readonly ImageRecord[] = [];
  private order: number[] = [];
  private active = -1;
  private selectedFile: string | null = null;
  private frame = 0;

  constructor(label: string, private readonly events: GridEvents) {
    this.headRow = h('div', { class: 'rl-row rl-head-row', role: 'row', 'aria-rowindex': 1 });
    this.spacer = h('div', { class: 'rl-grid-body', role: 'rowgroup' });
    this.element = h(
      'div',
      { class: 'rl-grid', role: 'grid', tabindex: 0, 'aria-label': label, 'aria-rowcount': 1, 'data-testid': 'image-grid' },
      h('div', { class: 'rl-grid-head', role: 'rowgroup' }, this.headRow),
      this.spacer,
    );
    this.element.addEventListener('scroll', () => {
      this.scheduleRender();
      this.events.onScroll(this.element.scrollTop);
    });
    this.element.addEventListener('keydown', (event) => this.onKey(event));
    this.element.addEventListener('focus', () => {
      if (this.active < 0 && this.order.length) this.setActive(Math.max(0, this.positionOf(this.selectedFile)), false);
    });
    this.spacer.addEventListener('click', (event) => {
      const row = (event.target as Element).closest<HTMLElement>('.rl-row[data-at]');
      if (!row) return;
      this.setActive(Number(row.dataset.at), false);
      this.element.focus({ preventScroll: true });
      this.events.onOpen(this.order[this.active]);
    });
    new ResizeObserver(() => this.scheduleRender()).observe(this.element);
  }

  setColumns(columns: Column[], sort: SortOrder): void {
    this.columns = columns;
    this.element.style.setProperty('--rl-columns', columns.map((c) => (c.grow > 0 ? `minmax(${c.width}px, ${c.grow}fr)` : `${c.width}px`)).join(' '));
    this.element.style.setProperty('--rl-row-min-width', `${columns.reduce((sum, c) => sum + c.width, 0)}px`);
    this.element.setAttribute('aria-colcount', String(columns.length));
    this.headRow.replaceChildren(
      ...columns.map((column, i) => {
        const button = h('button', { type: 'button', class: 'rl-sort', 'data-sort-key': column.key, title: column.description }, h('span', { text: column.label }), h('span', { class: 'rl-sort-mark', 'aria-hidden': 'true' }));
        button.addEventListener('click', () => this.events.onSort(column.key));
        return h('div', { role: 'columnheader', 'aria-colindex': i + 1, class: column.numeric ? 'rl-num' : '' }, button);
      }),
    );
    for (const row of this.pool) row.remove();
    this.pool.length = 0;
    this.setSort(sort);
  }

  setSort(sort: SortOrder): void {
    for (const header of this.headRow.children) {
      const key = header.querySelector<HTMLElement>('[data-sort-key]')?.dataset.sortKey;
      if (key === sort.key) header.setAttribute('aria-sort', sort.direction);
      else header.removeAttribute('aria-sort');
    }
  }

  /** Shows `order` (positions into `images`); keeps the active row on the same image when it is still shown. */
  setRows(images: readonly ImageRecord[], order: number[]): void {
    const activeFile = this.active >= 0 ? this.images[this.order[this.active]]?.file : null;
    this.images = images;
    this.order = order;
    this.active = activeFile ? this.positionOf(activeFile) : -1;
    this.spacer.style.height = `${order.length * this.rowHeight}px`;
    this.element.setAttribute('aria-rowcount', String(order.length + 1));
    this.render();
  }

  setSelected(file: string | null): void {
    this.selectedFile = file;
    this.render();
  }

  get scrollTop(): number {
    return this.element.scrollTop;
  }

  set scrollTop(top: number) {
    this.element.scrollTop = top;
    this.render();
  }

  /** Scrolls the row of `file` into view, if shown. */
  reveal(file: string): void {
    const at = this.positionOf(file);
    if (at >= 0) this.scrollRowIntoView(at);
  }

  private positionOf(file: string | null): number {
    if (file === null) return -1;
    return this.order.findIndex((p) => this.images[p].file === file);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target !== this.element || this.order.length === 0) return;
    const page = Math.max(1, Math.floor(this.viewportHeight() / this.rowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    let next: number | null = null;
    if (event.key in moves) next = Math.max(0, this.active) + (this.active < 0 ? 0 : moves[event.key]);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = this.order.length - 1;
    else if ((event.key === 'Enter' || event.key === ' ') && this.active >= 0) {
      event.preventDefault();
      this.events.onOpen(this.order[this.active]);
      return;
    }
    if (next === null) return;
    event.preventDefault();
    this.setActive(Math.min(this.order.length - 1, Math.max(0, next)), true);
  }

  private setActive(at: number, scroll: boolean): void {
    this.active = at;
    if (scroll) this.scrollRowIntoView(at);
    this.render();
  }

  private headHeight(): number {
    return this.headRow.parentElement!.offsetHeight;
  }

  private viewportHeight(): number {
    return Math.max(0, this.element.clientHeight - this.headHeight());
  }

  private scrollRowIntoView(at: number): void {
    const top = at * this.rowHeight;
    const view = this.viewportHeight();
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + this.rowHeight > this.element.scrollTop + view) this.element.scrollTop = top + this.rowHeight - view;
  }

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private rowElement(slot: number): HTMLDivElement {
    let row = this.pool[slot];
    if (!row) {
      row = h('div', { class: 'rl-row', role: 'row' });
      for (const [i, column] of this.columns.entries()) {
        const cell = h('div', { role: 'gridcell', 'aria-colindex': i + 1, class: column.numeric ? 'rl-num' : column.middleEllipsis ? 'rl-middle' : '' });
        if (column.middleEllipsis) cell.append(h('span', { class: 'rl-middle-head' }), h('span', { class: 'rl-middle-tail' }));
        row.appendChild(cell);
      }
      this.pool[slot] = row;
      this.spacer.appendChild(row);
    }
    return row;
  }

  private render(): void {
    const first = Math.max(0, Math.floor(this.element.scrollTop / this.rowHeight) - overscan);
    const visible = Math.ceil((this.viewportHeight() || 480) / this.rowHeight) + 2 * overscan;
    const last = Math.min(this.order.length, first + visible);
    const activeId = this.active >= 0 ? `rl-row-${this.order[this.active]}` : null;
    for (let slot = 0; slot < last - first; slot++) {
      const at = first + slot;
      const position = this.order[at];
      const record = this.images[position];
      const row = this.rowElement(slot);
      row.hidden = false;
      row.id = `rl-row-${position}`;
      row.dataset.at = String(at);
      row.dataset.file = record.file;
      row.setAttribute('aria-rowindex', String(at + 2));
      row.setAttribute('aria-selected', String(record.file === this.selectedFile));
      row.classList.toggle('rl-active', at === this.active);
      row.classList.toggle('rl-incorrect', !record.correct);
      row.style.transform = `translateY(${at * this.rowHeight}px)`;
      const cells = row.children;
      for (let c = 0; c < this.columns.length; c++) {
        const column = this.columns[c];
        const text = column.text(record, position);
        const cell = cells[c] as HTMLElement;
        if (column.title) cell.title = column.title(record);
        if (!column.middleEllipsis) cell.textContent = text;
        else {
          const [head, tail] = middleEllipsisParts(text);
          (cell.children[0] as HTMLElement).textContent = head;
          (cell.children[1] as HTMLElement).textContent = tail;
          cell.title = text;
        }
      }
    }
    for (let slot = Math.max(0, last - first); slot < this.pool.length; slot++) {
      this.pool[slot].hidden = true;
      this.pool[slot].removeAttribute('id');
      delete this.pool[slot].dataset.file;
    }
    if (activeId && document.getElementById(activeId)) this.element.setAttribute('aria-activedescendant', activeId);
    else this.element.removeAttribute('aria-activedescendant');
  }
}
