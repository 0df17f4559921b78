/**
 * The run at a glance, laid out like the paper's Table 1: accuracy, adversarial susceptibility,
 * random susceptibility per α, mean (std) of the adversarial norms, input dimension and classes;
 * beside it the settings that produced it. Zero counts appear as upper bounds, never as 0; before
 * the first image nothing is measured, and every number says so instead of showing 0.
 */
import type { Report } from '../../src/protocol/report';
import { forwardPassesText } from '../../src/report/compute-names';
import { confidenceText, dateTimeText, durationText, intervalText, meanStd, percent, plainNumber, rateText } from '../../src/report/format';
import { h, replaceChildren } from '../dom';
import { notMeasuredHeadline, notMeasuredText, nothingMeasured } from './not-measured';

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function row(measure: string, value: string, detail: string, testId: string): HTMLTableRowElement {
  return h('tr', {}, h('th', { scope: 'row', text: measure }), h('td', { class: 'rl-value', text: value, 'data-testid': testId }), h('td', { class: 'rl-muted', text: detail }));
}

function card(title: string, value: string, detail: string, testId: string, tone = ''): HTMLElement {
  // An upper bound's "at 95 %" goes under the number in small type: the card is narrow.
  const bound = value.endsWith(` ${confidenceText}`) ? value.slice(0, -confidenceText.length - 1) : null;
  const shown = bound === null ? [value] : [bound, h('span', { class: 'rl-stat-confidence', text: ` ${confidenceText}` })];
  return h(
    'div',
    { class: `rl-stat ${tone}`.trim() },
    h('span', { class: 'rl-stat-title', text: title }),
    h('span', { class: 'rl-stat-value', 'data-testid': testId }, ...shown),
    h('span', { class: 'rl-stat-detail', text: detail }),
  );
}

/** When the run started: its first session's start (a resumed run's whole run), with this session's when later. */
function startedText(report: Report): string | null {
  if (!report.startedAt) return null;
  const first = report.firstStartedAt ?? report.startedAt;
  return first === report.startedAt ? dateTimeText(first) : `${dateTimeText(first)} (resumed ${dateTimeText(report.startedAt)})`;
}

/** The run's duration over all its sessions (timings.activeSeconds), with this session's part when resumed. */
function durationOf(report: Report): string | null {
  const session = report.timings?.wallSeconds ?? sessionSeconds(report);
  const total = report.timings?.activeSeconds ?? session;
  if (total === undefined || !Number.isFinite(total) || total < 0) return null;
  return session !== undefined && total > session + 0.0005 ? `${durationText(total)} (this session ${durationText(session)})` : durationText(total);
}

/** finishedAt − startedAt, for reports written before timings existed. */
function sessionSeconds(report: Report): number | undefined {
  if (!report.startedAt || !report.finishedAt) return undefined;
  return (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
}

/** The attack and the options it read (config.attackOptions), as one line. */
function attackSetting(c: Report['config']): string {
  const options = Object.entries(c.attackOptions ?? {}).filter(([, value]) => typeof value === 'number');
  const budget = options.length ? ` (${options.map(([key, value]) => `${key} ${value}`).join(', ')})` : '';
  if (c.attack === 'fgm-line') return `fgm-line: ${c.scales} steps up to L2 ${plainNumber(c.maxEps)}${c.attackOptions?.refine ? ', ε* bisected to 1e-4 (not the paper’s grid)' : ''}`;
  const perAttack = c.attackOptions?.randomPerAttack ? '; random perturbations at every attack’s ε*' : '';
  return `${c.attack}${budget} up to L2 ${plainNumber(c.maxEps)}, ε* bisected to 1e-4 (not the paper's attack)${perAttack}`;
}

/** The paradox in one sentence, from this run's numbers. */
export function headline(report: Report): string {
  const { summary: s } = report;
  const adv = s.adversarial;
  if (s.images === 0) return notMeasuredHeadline(report);
  if (adv.susceptible === 0) return `None of the ${count(s.correct)} correctly classified images flipped under an adversarial perturbation of L2 norm up to ${plainNumber(report.config.maxEps)}.`;
  const attacked = `${count(adv.susceptible)} of ${count(s.correct)} correctly classified images (${percent(adv.rate)}) flip under an adversarial perturbation of median L2 norm ${plainNumber(adv.l2.median)}.`;
  const measured = s.random.filter((r) => r.trials > 0);
  if (measured.length === 0) return attacked;
  const size = (alpha: number) => (alpha === 1 ? 'of the same size' : `${alpha}× as large`);
  const [first, ...rest] = measured.map((r) => ({ size: size(r.alpha), n: count(r.susceptible), rate: rateText(r.susceptible, adv.susceptible) }));
  return `${attacked} Random perturbations ${first.size} flipped ${first.n} of them (${first.rate})${rest.map((r) => `; ${r.size}: ${r.n} (${r.rate})`).join('')}.`;
}

export class SummaryView {
  readonly section: HTMLElement;
  private readonly headline: HTMLElement;
  private readonly cards: HTMLElement;
  private readonly table: HTMLTableSectionElement;
  private readonly settings: HTMLElement;

  constructor() {
    this.headline = h('p', { class: 'rl-headline', 'data-testid': 'headline' });
    this.cards = h('div', { class: 'rl-stats' });
    this.table = h('tbody');
    this.settings = h('dl', { class: 'rl-facts', 'data-testid': 'settings' });
    this.section = h(
      'section',
      { id: 'summary', class: 'rl-section', 'aria-labelledby': 'summary-title' },
      h('h2', { id: 'summary-title', text: 'Summary' }),
      this.headline,
      this.cards,
      h(
        'div',
        { class: 'rl-summary-layout' },
        h(
          'div',
          { class: 'rl-card rl-table-wrap' },
          h('table', { class: 'rl-table rl-table1', 'data-testid': 'summary-table' }, h('caption', { text: 'Accuracy and susceptibility (the paper’s Table 1)' }), h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Measure' }), h('th', { scope: 'col', text: 'Value' }), h('th', { scope: 'col', text: 'Of' }))), this.table),
        ),
        h('div', { class: 'rl-card' }, h('h3', { text: 'Settings' }), this.settings),
      ),
    );
  }

  update(report: Report): void {
    if (nothingMeasured(report)) this.showNotMeasured(report);
    else this.showMeasured(report);
    this.headline.textContent = headline(report);
    this.showSettings(report);
  }

  private showMeasured(report: Report): void {
    const { summary: s, config: c } = report;
    const adv = s.adversarial;
    const randomRows = s.random.map((r) =>
      row(`Random attack susceptibility (α = ${r.alpha})`, rateText(r.susceptible, adv.susceptible), `${count(r.susceptible)} of ${count(adv.susceptible)} susceptible images`, `summary-random-${r.alpha}`),
    );
    const flipRows = s.random.map((r) =>
      row(`Random flip rate (α = ${r.alpha})`, rateText(r.flips, r.trials), `${count(r.flips)} of ${count(r.trials)} random perturbations${r.flips > 0 ? ` · ${intervalText(r.flips, r.trials)}` : ''}`, `summary-flip-rate-${r.alpha}`),
    );
    replaceChildren(
      this.table,
      row('Accuracy', percent(s.accuracy), `${count(s.correct)} of ${count(s.images)} images`, 'summary-accuracy'),
      row('Adversarial attack susceptibility', rateText(adv.susceptible, s.correct), `${count(adv.susceptible)} of ${count(s.correct)} correctly classified`, 'summary-adversarial'),
      ...randomRows,
      row('Adversarial L2 norm, mean (std)', meanStd(adv.l2.mean, adv.l2.std), `median ${plainNumber(adv.l2.median)}`, 'summary-l2'),
      row('Adversarial L1 norm, mean (std)', meanStd(adv.l1.mean, adv.l1.std), `median ${plainNumber(adv.l1.median)}`, 'summary-l1'),
      row('Adversarial L∞ norm, mean (std)', meanStd(adv.linf.mean, adv.linf.std), `median ${plainNumber(adv.linf.median)}`, 'summary-linf'),
      ...flipRows,
      ...this.configRows(c),
    );

    const first = s.random[0];
    const last = s.random[s.random.length - 1];
    const randomCard = (r: typeof first, testId: string) =>
      card(`Random susceptibility, α = ${r.alpha}`, rateText(r.susceptible, adv.susceptible), `${count(r.susceptible)} of ${count(adv.susceptible)} flipped by a random perturbation ${r.alpha}× as large`, testId, r.susceptible === 0 ? 'rl-good' : '');
    replaceChildren(
      this.cards,
      card('Accuracy', percent(s.accuracy), `${count(s.correct)} of ${count(s.images)} images`, 'card-accuracy'),
      card('Adversarial susceptibility', rateText(adv.susceptible, s.correct), adv.susceptible ? `median ε* = ${plainNumber(adv.l2.median)} (L2), L∞ ${plainNumber(adv.linf.median)}` : `no flip within ε ≤ ${c.maxEps}`, 'card-adversarial', adv.susceptible ? 'rl-bad' : 'rl-good'),
      first ? randomCard(first, 'card-random-first') : null,
      last && last !== first ? randomCard(last, 'card-random-last') : null,
    );
  }

  /** Before the first image: "—" and why in every card and measured row; what the config says stays. */
  private showNotMeasured(report: Report): void {
    const { summary: s, config: c } = report;
    const why = notMeasuredText(report);
    const measured = (measure: string, testId: string) => row(measure, '—', why, testId);
    replaceChildren(
      this.table,
      measured('Accuracy', 'summary-accuracy'),
      measured('Adversarial attack susceptibility', 'summary-adversarial'),
      ...s.random.map((r) => measured(`Random attack susceptibility (α = ${r.alpha})`, `summary-random-${r.alpha}`)),
      measured('Adversarial L2 norm, mean (std)', 'summary-l2'),
      measured('Adversarial L1 norm, mean (std)', 'summary-l1'),
      measured('Adversarial L∞ norm, mean (std)', 'summary-linf'),
      ...s.random.map((r) => measured(`Random flip rate (α = ${r.alpha})`, `summary-flip-rate-${r.alpha}`)),
      ...this.configRows(c),
    );
    const first = s.random[0];
    const last = s.random[s.random.length - 1];
    replaceChildren(
      this.cards,
      card('Accuracy', '—', why, 'card-accuracy'),
      card('Adversarial susceptibility', '—', why, 'card-adversarial'),
      first ? card(`Random susceptibility, α = ${first.alpha}`, '—', why, 'card-random-first') : null,
      last && last !== first ? card(`Random susceptibility, α = ${last.alpha}`, '—', why, 'card-random-last') : null,
    );
  }

  private configRows(c: Report['config']): HTMLTableRowElement[] {
    return [
      row('Input dimension', count(c.dimension), c.inputShape.join(' × '), 'summary-dimension'),
      row('Number of classes', count(c.classes.length), c.classes.length <= 6 ? c.classes.join(', ') : `${c.classes.slice(0, 5).join(', ')}, …`, 'summary-classes'),
    ];
  }

  private showSettings(report: Report): void {
    const c = report.config;
    const settings: [string, string][] = [
      ['Model', c.model],
      ['Data', c.data],
      ['Attack', attackSetting(c)],
      ['Random', `${count(c.samples)} samples per α from the unit ${count(c.dimension)}-ball, seed ${c.seed}`],
      ['α', c.alphas.join(', ')],
      ['Clipping to [0, 1]', c.clip ? 'on' : 'off (paper protocol)'],
      ['Backend', c.backend + (c.workers ? ` · ${c.workers} worker${c.workers === 1 ? '' : 's'}` : '')],
    ];
    const forwardPasses = forwardPassesText(c);
    if (forwardPasses) settings.push(['Forward passes', forwardPasses]);
    settings.push(['Input shape', c.inputShape.join(' × ')]);
    if (c.resized?.length) settings.push(['Resized', c.resized.join('; ')]);
    if (c.skipped?.length) settings.push(['Skipped files', c.skippedReasons?.length ? `${count(c.skipped.length)}: ${fileReasons(c.skippedReasons)}` : `${count(c.skipped.length)} (not decodable images)`]);
    // Read but without a valid result (non-finite outputs, or killed two workers): in no number above.
    if (c.failed?.length) settings.push(['Failed images', `${count(c.failed.length)}, counted nowhere: ${fileReasons(c.failed)}`]);
    if (c.shard) settings.push(['Shard', `${c.shard.index + 1} of ${c.shard.count}`]);
    const started = startedText(report);
    if (started) settings.push(['Started', started]);
    const runTime = report.status === 'running' ? null : durationOf(report);
    if (runTime) settings.push(['Duration', runTime]);
    settings.push(['Tool', `${report.tool.name} ${report.tool.version}`]);
    replaceChildren(this.settings, ...settings.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v, title: v })]));
  }
}

/** The first few files with their reasons, then how many more. */
function fileReasons(entries: readonly { file: string; reason: string }[], shown = 3): string {
  const listed = entries.slice(0, shown).map((entry) => `${entry.file} (${entry.reason})`).join('; ');
  return entries.length > shown ? `${listed}; and ${entries.length - shown} more` : listed;
}
