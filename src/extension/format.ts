/** Short texts for the progress notification, the status bar and the runs view. */
import type { BackendName, ForwardName } from '../protocol/report';
import { forwardEngineNames } from '../report/compute-names';
import { zeroCountUpperBound } from '../report/format';
import type { Headline } from './run-storage';

/** "45 s", "3 min 20 s", "1 h 05 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatPercent(rate: number): string {
  if (!Number.isFinite(rate)) return '–';
  const percent = rate * 100;
  if (percent === 0) return '0 %';
  // Tiny rates keep one significant digit rather than rounding to a misleading 0.
  const text = percent < 0.1 ? percent.toPrecision(1) : percent.toFixed(1).replace(/\.0$/, '');
  return `${text} %`;
}

/**
 * A rate measured as `count` of `trials`, short; a zero count is written as its one-sided 95 %
 * Clopper–Pearson upper bound ("< 1.6 %" for 0 of 188), never a bare 0, as in the report panel.
 */
export function formatRate(count: number, trials: number): string {
  if (trials === 0) return '–';
  if (count === 0) return `< ${formatPercent(zeroCountUpperBound(trials))}`;
  return formatPercent(count / trials);
}

/** "0 of 188 (< 1.6 %)", "7 of 188 (3.7 %)"; "none of 0" when there was nothing to count. */
export function formatCount(count: number, trials: number): string {
  return trials === 0 ? 'none of 0' : `${count} of ${trials} (${formatRate(count, trials)})`;
}

const stageNames: Record<string, string> = {
  decode: 'reading images',
  gradient: 'gradient',
  'line-search': 'line search',
  random: 'random perturbations',
};

/** "12 / 50 images · line search · about 3 min 20 s left". */
export function progressMessage(done: number, total: number, stage: string | null, etaSeconds: number | null): string {
  const parts = [`${done} / ${total} images`];
  if (stage) parts.push(stageNames[stage] ?? stage);
  if (etaSeconds !== null && done < total) parts.push(`about ${formatDuration(etaSeconds)} left`);
  return parts.join(' · ');
}

/** The status bar's name for where the compute runs: `wasm ×2`, `GPU`, `CPU`, `wasm ×2 + ONNX Runtime`. */
export function backendLabel(backend: BackendName, workers: number, forward?: ForwardName): string {
  const onBackend = backendOnlyLabel(backend, workers);
  return forward === 'onnxruntime' ? `${onBackend} + ${forwardEngineNames.onnxruntime}` : onBackend;
}

function backendOnlyLabel(backend: BackendName, workers: number): string {
  switch (backend) {
    case 'tensorflow-gpu':
      return 'GPU';
    case 'tensorflow':
      return workers > 1 ? `CPU ×${workers}` : 'CPU';
    case 'wasm':
      return `wasm ×${workers}`;
    case 'cpu':
      return `js-cpu ×${workers}`;
    case 'onnxruntime':
      return `ONNX Runtime ×${workers}`;
  }
}

/** "acc 99 % · adv 54 % · rand α10 3.7 %": the numbers the runs view shows beside a run. */
export function headlineText(h: Headline): string {
  const parts = [`acc ${formatPercent(h.accuracy)}`, `adv ${formatRate(h.adversarialSusceptible, h.correct)}`];
  const largest = [...h.random].sort((a, b) => b.alpha - a.alpha)[0];
  if (largest) parts.push(`rand α${largest.alpha} ${formatRate(largest.susceptible, h.adversarialSusceptible)}`);
  return parts.join(' · ');
}

/** The status bar item's text: a spinner and images done while a check runs, else the backend of the last run. */
export function statusText(running: boolean, backend: string | null, done: number, total: number | null): string {
  const where = backend ?? 'idle';
  if (!running) return `$(beaker) Robustness: ${where}`;
  const count = total === null ? 'starting' : `${done}/${total}`;
  return `$(sync~spin) Robustness: ${count}${backend ? ` · ${backend}` : ''}`;
}
