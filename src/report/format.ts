/** How the report writes numbers: percentages, zero counts as upper bounds, huge counts as powers of ten. */
import { clopperPearson } from '../engine/statistics';

const superscripts: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

function superscript(n: number): string {
  return String(n).replace(/[-0-9]/g, (c) => superscripts[c]);
}

/** `m × 10ᵏ` with two significant digits. */
export function scientific(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const [mantissa, exponent] = x.toExponential(1).split('e');
  return `${mantissa} × 10${superscript(Number(exponent))}`;
}

/** A number written from its base-10 logarithm, for values beyond the double range (1e400). */
export function fromLog10(log10: number): string {
  if (log10 === Infinity) return '∞';
  if (log10 === -Infinity) return '0';
  if (Math.abs(log10) < 6) return plainNumber(10 ** log10);
  const exponent = Math.floor(log10);
  const mantissa = 10 ** (log10 - exponent);
  // Rounding the mantissa can reach 10.0: carry it into the exponent.
  return mantissa >= 9.95 ? `1.0 × 10${superscript(exponent + 1)}` : `${mantissa.toFixed(1)} × 10${superscript(exponent)}`;
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

/** A rate as a percentage: 53.77 %, 2.65 %, 0.15 %, 0.0038 %. */
export function percent(rate: number): string {
  const v = rate * 100;
  if (v === 0) return '0 %';
  if (v >= 1) return `${v.toFixed(2)} %`;
  if (v >= 1e-4) return `${Number(v.toPrecision(2))} %`;
  return `${scientific(v)} %`;
}

export const confidenceLevel = 0.95;

/**
 * A measured rate of `successes` in `trials`. A zero count is never written as 0: it becomes the
 * one-sided Clopper–Pearson upper bound, "< 0.15 % at 95 %" for 0 of 2000.
 */
export function rateText(successes: number, trials: number): string {
  if (trials === 0) return '—';
  if (successes === 0) return `< ${percent(clopperPearson(0, trials, confidenceLevel).oneSidedUpper)} at 95 %`;
  return percent(successes / trials);
}

/** The two-sided 95 % Clopper–Pearson interval of a rate, written "95 % CI 1.2–3.4 %". */
export function intervalText(successes: number, trials: number): string {
  if (trials === 0) return 'no trials';
  const { lower, upper } = clopperPearson(successes, trials, confidenceLevel);
  return `95 % CI ${percent(lower).replace(' %', '')}–${percent(upper)}`;
}

/** Mean (std), the paper's Table 1 notation. */
export function meanStd(mean: number, std: number): string {
  return `${plainNumber(mean)} (${plainNumber(std)})`;
}
