/**
 * "Open Report…": the stored runs that have a report, newest first (title, start, images,
 * accuracy), then "Browse…" for a report.json anywhere else.
 */
import { basename, dirname } from 'node:path';
import { outputFiles } from '../run/report-files';
import { formatPercent } from './format';
import { dateTimeText } from '../report/format';
import type { PickItem, Ui } from './ports';
import type { RunInfo } from './run-storage';
import { runTitle } from './run-title';

const reportPickTitle = 'Robustness Lens: report';

export type ReportChoice = { run: RunInfo } | { path: string };

const browse = 'browse';

export async function pickReport(ui: Ui, runs: readonly RunInfo[], defaultFolder: string | undefined): Promise<ReportChoice | undefined> {
  const reported = runs.filter((run) => run.headline !== null);
  let chosen: RunInfo | typeof browse | undefined = browse;
  if (reported.length > 0) {
    const items: PickItem<RunInfo | typeof browse>[] = reported.map((run) => ({ ...reportItem(run), value: run }));
    items.push({ label: 'Browse…', description: 'a report.json anywhere on disk', value: browse });
    chosen = await ui.pick(reportPickTitle, items, 'The run whose report to open');
  }
  if (chosen === undefined) return undefined;
  if (chosen !== browse) return { run: chosen };
  const path = await ui.openFile(reportPickTitle, [{ name: 'Robustness Lens report (report.json)', extensions: ['json'] }], defaultFolder);
  if (!path) return undefined;
  const problem = otherRunFileProblem(path);
  if (problem) throw new Error(problem);
  return { path };
}

/** "cnn on test · Quick look", "2025-03-04 13:05 · 200 images · accuracy 99.5 %". */
function reportItem(run: RunInfo): { label: string; description: string; detail?: string } {
  const label = run.settings ? runTitle(run.settings.model, run.settings.data, run.preset) : run.id;
  const parts = [dateTimeText(run.startedAt)];
  if (run.headline) parts.push(`${run.headline.images} image${run.headline.images === 1 ? '' : 's'}`, `accuracy ${formatPercent(run.headline.accuracy)}`);
  return { label, description: parts.join(' · '), ...(run.status === 'cancelled' ? { detail: 'stopped before the end: the report holds the images finished by then' } : {}) };
}

/** The dialog cannot filter by file name: a run's other files are refused in one line that names the report beside them. */
function otherRunFileProblem(path: string): string | null {
  const what: Record<string, string> = { [outputFiles.run]: 'settings', [outputFiles.details]: 'image details', [outputFiles.images]: 'per-image results' };
  const role = what[basename(path)];
  return role ? `${basename(path)} holds a run's ${role}, not its report: open ${outputFiles.report} in ${dirname(path)}` : null;
}
