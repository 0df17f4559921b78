/** The comparison page: compare.html (the comparison embedded) or the extension's Compare panel (sent as a message). */
import type { CompareReport } from '../src/protocol/report';
import { compareDataId } from '../src/report/compare-page';
import { readChartTheme } from './charts/theme';
import { replaceChildren } from './dom';
import type { Host } from './host';
import { CompareView } from './views/compare';

/** The comparison compare.html carries, or null on any other page. */
export function embeddedCompare(): CompareReport | null {
  const element = document.getElementById(compareDataId);
  if (!element?.textContent) return null;
  return JSON.parse(element.textContent) as CompareReport;
}

const fileStem = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '-');

/** Shows `compare` in `root`, redrawn when the theme changes; charts export as PNG through the host. */
export function showCompare(root: HTMLElement, compare: CompareReport, host: Host): void {
  const view: CompareView = new CompareView((card) => {
    void host.save('png', `compare-${fileStem(compare.a.name)}-${fileStem(compare.b.name)}-${card.id}.png`, card.toPng(readChartTheme().background));
  });
  replaceChildren(root, view.element);
  root.removeAttribute('aria-busy');
  const draw = () => view.update(compare, readChartTheme());
  draw();
  new MutationObserver(draw).observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', draw);
}
