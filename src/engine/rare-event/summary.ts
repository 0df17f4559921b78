import type { ImageRecord, RareEventSummary } from '../../protocol/report';

/**
 * The per-α median of the images' rare-event estimates (log10 p̂). An image whose budget ran out
 * has only an upper bound b on p; it counts as b, and since its p lies at or below b, a median
 * that falls on such a bound is itself only an upper bound. Null when no image carries an estimate.
 */
export function summarizeRareEvents(susceptible: readonly ImageRecord[], alpha: number): RareEventSummary | null {
  const values: { log10: number; bound: boolean }[] = [];
  for (const image of susceptible) {
    const estimate = image.random.find((entry) => entry.alpha === alpha)?.rareEvent;
    if (!estimate) continue;
    if (estimate.reached && estimate.log10Probability !== null) values.push({ log10: estimate.log10Probability, bound: false });
    else values.push({ log10: estimate.log10Interval[1], bound: true });
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a.log10 - b.log10);
  const middle = values.length >> 1;
  const picked = values.length % 2 === 1 ? [values[middle]] : [values[middle - 1], values[middle]];
  const medianLog10Probability = picked.reduce((sum, value) => sum + value.log10, 0) / picked.length;
  return {
    estimates: values.filter((value) => !value.bound).length,
    upperBounds: values.filter((value) => value.bound).length,
    medianLog10Probability,
    medianProbability: Math.pow(10, medianLog10Probability),
    medianIsUpperBound: picked.some((value) => value.bound),
  };
}
