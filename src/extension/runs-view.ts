/** How a stored run appears in the Runs view: label, description, tooltip, icon and context value. */
import { engineText } from '../report/compute-names';
import { formatCount, formatPercent, headlineText } from './format';
import { dateTimeText } from '../report/format';
import type { RunInfo } from './run-storage';
import { runTitle } from './run-title';

export interface RunItemModel {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon name. */
  icon: string;
  /**
   * `run.<state>` plus `.html` when report.html exists; the menus in package.json match on it
   * (resume: cancelled or incomplete; delete: anything but running).
   */
  contextValue: string;
}

export function runItemModel(run: RunInfo, runningDir: string | null, now = new Date()): RunItemModel {
  const running = runningDir === run.dir;
  const state = running ? 'running' : run.status;
  const settings = run.settings;
  const label = settings ? runTitle(settings.model, settings.data, run.preset) : run.id;
  // The view is narrow: what tells runs apart (when, how it ended) comes before the numbers.
  const parts = [shortDate(run.startedAt, now)];
  if (running) parts.push('running');
  else if (run.status !== 'complete') parts.push(`${run.status === 'cancelled' ? 'cancelled' : 'unfinished'}, ${run.done} image${run.done === 1 ? '' : 's'} done`);
  if (!running && run.headline) parts.push(headlineText(run.headline));

  const tooltip = [`${label} — ${stateText[state]}`, `Started ${dateTimeText(run.startedAt)}`, `Run ${run.id}`, `Folder: ${run.dir}`];
  if (settings) {
    tooltip.push(`Model: ${settings.model}`, `Dataset: ${settings.data}`);
    tooltip.push(`α ${settings.alphas.join(', ')} · ${settings.samples} samples · ${settings.scales} steps to ε ${settings.maxEps} · seed ${settings.seed}${settings.clip ? ' · clipped' : ''}${settings.limit ? ` · first ${settings.limit} images` : ''}${settings.sample ? ` · ${settings.sample} images spread over the dataset` : ''}`);
  }
  if (run.engine) tooltip.push(`Ran on ${engineText(run.engine.backend, run.engine.forward)}`);
  if (run.headline) {
    const h = run.headline;
    tooltip.push(`${h.images} images · accuracy ${formatPercent(h.accuracy)} · adversarial susceptibility ${formatCount(h.adversarialSusceptible, h.correct)}`);
    tooltip.push(`Random susceptibility: ${h.random.map((r) => `α ${r.alpha}: ${formatCount(r.susceptible, h.adversarialSusceptible)}`).join(' · ')}`);
  } else {
    tooltip.push(`${run.done} image${run.done === 1 ? '' : 's'} finished`);
  }
  return {
    label,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    icon: stateIcon[state],
    contextValue: `run.${state}${run.hasHtml ? '.html' : ''}`,
  };
}

/** "13:05" today, else "2025-01-02". */
function shortDate(date: Date, now: Date): string {
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? dateTimeText(date).slice(11, 16) : dateTimeText(date).slice(0, 10);
}

const stateText = { complete: 'complete', cancelled: 'stopped before the end', incomplete: 'not finished', running: 'running' } as const;
const stateIcon = { complete: 'pass', cancelled: 'debug-pause', incomplete: 'circle-large-outline', running: 'sync~spin' } as const;
