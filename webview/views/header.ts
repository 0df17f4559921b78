/** The page's title bar: what was checked, the run's state (with progress while live) and the exports. */
import type { Report } from '../../src/protocol/report';
import { engineText } from '../../src/report/compute-names';
import { h, replaceChildren } from '../dom';
import type { Progress } from '../store';

export type ExportKind = 'csv' | 'json' | 'html';

export class HeaderView {
  readonly element: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLElement & { value?: number; max: number };
  private readonly notice: HTMLElement;

  constructor(onExport: (kind: ExportKind) => void) {
    this.subtitle = h('p', { class: 'rl-subtitle', 'data-testid': 'subtitle' });
    this.status = h('span', { class: 'rl-pill', 'data-testid': 'run-status' });
    this.progress = h('vscode-progress-bar', { hidden: true, 'aria-label': 'Analysis progress' }) as HTMLElement & { value?: number; max: number };
    this.notice = h('p', { class: 'rl-notice', role: 'status', 'aria-live': 'polite', 'data-testid': 'notice' });
    const button = (kind: ExportKind, label: string, description: string) => {
      const b = h('vscode-button', { secondary: kind !== 'html', title: description, 'data-testid': `export-${kind}` }, label);
      b.addEventListener('click', () => onExport(kind));
      return b;
    };
    this.element = h(
      'header',
      { class: 'rl-header' },
      h(
        'div',
        { class: 'rl-header-main' },
        h('div', {}, h('h1', {}, 'Robustness Lens ', this.status), this.subtitle),
        h('div', { class: 'rl-actions', role: 'group', 'aria-label': 'Export' }, button('csv', 'Export CSV', 'Per-image table as CSV'), button('json', 'Export JSON', 'The report as JSON'), button('html', 'Standalone HTML', 'This report as one HTML file that opens in any browser')),
      ),
      this.progress,
      h(
        'nav',
        { class: 'rl-nav', 'aria-label': 'Sections' },
        ...[
          ['#summary', 'Summary'],
          ['#norms', 'Adversarial norms'],
          ['#random', 'Random flips'],
          ['#theory', 'Theory'],
          ['#images', 'Images'],
        ].map(([href, text]) => h('a', { href, text })),
      ),
      this.notice,
    );
  }

  update(report: Report, progress: Progress | null): void {
    const c = report.config;
    replaceChildren(this.subtitle, h('span', { class: 'rl-model', text: c.model, title: c.model }), ` · ${c.attack} · d = ${c.dimension.toLocaleString('en-US')} · ${c.classes.length} classes · ${engineText(c.backend, c.forward)}`);
    const state = progress ? 'running' : (report.status ?? 'complete');
    this.status.textContent = progress ? `running ${progress.done.toLocaleString('en-US')} / ${progress.total.toLocaleString('en-US')}` : state;
    this.status.className = `rl-pill ${state === 'complete' ? 'rl-pill-good' : state === 'cancelled' ? 'rl-pill-warn' : 'rl-pill-info'}`;
    this.progress.hidden = !progress;
    if (progress) {
      this.progress.max = progress.total;
      this.progress.value = progress.done;
    }
  }

  say(message: string, isError = false): void {
    this.notice.textContent = message;
    this.notice.classList.toggle('rl-error', isError);
  }
}
