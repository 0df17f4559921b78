/** How the report words a rare-event estimate: powers of ten, never a bare 0. */
import type { RareEventResult } from '../protocol/report';
import { plainNumber } from './format';

const superscripts: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 10 to a rounded exponent, "10⁻⁴¹"; plain for 10⁰ … 10³. */
export function roundedPower(log10: number): string {
  const exponent = Math.round(log10);
  if (exponent >= 0 && exponent <= 3) return String(10 ** exponent);
  return `10${String(exponent).replace(/[-0-9]/g, (c) => superscripts[c])}`;
}

/** A probability from its log10: a percentage above 10⁻³, a power of ten below. */
export function probabilityWords(log10: number): string {
  if (log10 >= -3) return `${plainNumber(100 * 10 ** log10)} %`;
  return roundedPower(log10);
}

/** "10⁻⁴³ – 10⁻³⁹ (95 %)", or "< 10⁻⁶⁰ (95 %)" for an estimate whose budget ran out. */
export function rareEventIntervalText(estimate: RareEventResult): string {
  const confidence = `${Math.round(estimate.confidence * 100)} %`;
  const [lower, upper] = estimate.log10Interval;
  if (lower === null) return `< ${probabilityWords(upper)} (${confidence})`;
  return `${probabilityWords(lower)} – ${probabilityWords(upper)} (${confidence})`;
}

/**
 * The estimate in one sentence: "at 2× the adversarial size, a random perturbation flips this image
 * with probability about 10⁻⁴¹: 10⁴¹ samples to see one".
 */
export function rareEventSentence(alpha: number, estimate: RareEventResult): string {
  const size = `at ${plainNumber(alpha)}× the adversarial size`;
  if (!estimate.reached || estimate.log10Probability === null) {
    const bound = estimate.log10Interval[1];
    return `${size}, a random perturbation flips this image with probability below ${probabilityWords(bound)}: more than ${roundedPower(-bound)} samples to see one`;
  }
  const log10 = estimate.log10Probability;
  return `${size}, a random perturbation flips this image with probability about ${probabilityWords(log10)}: ${samplesWords(-log10)} samples to see one`;
}

function samplesWords(log10Samples: number): string {
  return log10Samples < 6 ? plainNumber(Math.max(1, 10 ** log10Samples)) : roundedPower(log10Samples);
}
