/**
 * How the report writes numbers: percentages, zero counts as upper bounds, huge counts as powers of
 * ten, durations and dates. A number and its unit are joined by a non-breaking space, so a narrow
 * card never puts "%" on a line of its own.
 */
import { clopperPearson } from '../engine/statistics';

/** U+00A0: keeps a number and its unit on one line. */
export const nbsp = '\u00a0';

const superscripts: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

function superscript(n: number): string {
  return String(n).replace(/[-0-9]/g, (c) => superscripts[c]);
}

/** `m × 10ᵏ` with two significant digits. */
export function scientific(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const [mantissa, exponent] = x.toExponential(1).split('e');
  return `${mantissa}${nbsp}×${nbsp}10${superscript(Number(exponent))}`;
}

/** A number written from its base-10 logarithm, for values beyond the double range (1e400). */
export function fromLog10(log10: number): string {
  if (log10 === Infinity) return '∞';
  if (log10 === -Infinity) return '0';
  if (Math.abs(log10) < 6) return plainNumber(10 ** log10);
  const exponent = Math.floor(log10);
  const mantissa = 10 ** (log10 - exponent);
  // Rounding the mantissa can reach 10.0: carry it into the exponent.
  return mantissa >= 9.95 ? `1.0${nbsp}×${nbsp}10${superscript(exponent + 1)}` : `${mantissa.toFixed(1)}${nbsp}×${nbsp}10${superscript(exponent)}`;
}

/** A measured value with three significant digits, without exponents in the usual range. */
export function plainNumber(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '−∞' : '—';
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1e9 || a < 1e-4) return scientific(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return Number(x.toFixed(1)).toString();
  return Number(x.toPrecision(3)).toString();
}

/** A rate as a percentage: 53.77 %, 2.65 %, 0.15 %, 0.0038 % (with a non-breaking space). */
export function percent(rate: number): string {
  const v = rate * 100;
  if (v === 0) return `0${nbsp}%`;
  if (v >= 1) return `${v.toFixed(2)}${nbsp}%`;
  if (v >= 1e-4) return `${Number(v.toPrecision(2))}${nbsp}%`;
  return `${scientific(v)}${nbsp}%`;
}

export const confidenceLevel = 0.95;
/** What follows an upper bound: "at 95 %". */
export const confidenceText = `at${nbsp}95${nbsp}%`;

/** What a zero count in `trials` is written as: the rate's one-sided 95 % Clopper–Pearson upper bound. */
export function zeroCountUpperBound(trials: number): number {
  return clopperPearson(0, trials, confidenceLevel).oneSidedUpper;
}

/**
 * A measured rate of `successes` in `trials`. A zero count is never written as 0: it becomes the
 * one-sided Clopper–Pearson upper bound, "< 0.15 % at 95 %" for 0 of 2000.
 */
export function rateText(successes: number, trials: number): string {
  if (trials === 0) return '—';
  if (successes === 0) return `<${nbsp}${percent(zeroCountUpperBound(trials))} ${confidenceText}`;
  return percent(successes / trials);
}

/** The two-sided 95 % Clopper–Pearson interval of a rate, written "95 % CI 1.2–3.4 %". */
export function intervalText(successes: number, trials: number): string {
  if (trials === 0) return 'no trials';
  const { lower, upper } = clopperPearson(successes, trials, confidenceLevel);
  return `95${nbsp}% CI ${percent(lower).replace(`${nbsp}%`, '')}–${percent(upper)}`;
}

/** Mean (std), the paper's Table 1 notation. */
export function meanStd(mean: number, std: number): string {
  return `${plainNumber(mean)} (${plainNumber(std)})`;
}

/** Seconds of run time: "97.6 s" under two minutes, then "3 min 20 s", then "1 h 05 min". */
export function durationText(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(1)}${nbsp}s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}${nbsp}min ${String(whole % 60).padStart(2, '0')}${nbsp}s`;
  return `${Math.floor(whole / 3600)}${nbsp}h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}${nbsp}min`;
}

/**
 * A moment as "2026-12-01 22:58 UTC", or "2026-12-01 23:58 UTC+1" where the viewer's clock is an
 * hour ahead: one fixed pattern in the panel, the page, the compare page and the Runs view, in the
 * viewer's time with its offset named (a report opened in another zone still says when it was).
 */
export function dateTimeText(moment: Date | string | number): string {
  const date = moment instanceof Date ? moment : new Date(moment);
  if (Number.isNaN(date.getTime())) return '—';
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}${nbsp}${zoneText(-date.getTimezoneOffset())}`;
}

/** "UTC", "UTC+1", "UTC−5", "UTC+5:30" for an offset east of UTC in minutes. */
function zoneText(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes > 0 ? '+' : '−';
  const minutes = Math.abs(offsetMinutes);
  const rest = minutes % 60;
  return `UTC${sign}${Math.floor(minutes / 60)}${rest ? `:${String(rest).padStart(2, '0')}` : ''}`;
}
