/** The rare-event estimates of a report per α, as the charts draw them (no DOM here). */
import type { Report } from '../../src/protocol/report';
import { median } from '../charts/data';

export interface RareEventAlphaStats {
  alpha: number;
  /** log10 p̂ of each image whose estimate reached the flip level. */
  estimates: number[];
  /** log10 of the upper bound of each image whose budget ran out. */
  upperBounds: number[];
  /** Medians over the reached estimates (null when there are none). */
  median: number | null;
  medianLower: number | null;
  medianUpper: number | null;
  /** Median of the bounds of the images whose budget ran out. */
  medianBound: number | null;
}

export function rareEventStats(report: Report): RareEventAlphaStats[] {
  return report.config.alphas.map((alpha) => {
    const estimates: number[] = [];
    const lowers: number[] = [];
    const uppers: number[] = [];
    const upperBounds: number[] = [];
    for (const image of report.images) {
      const estimate = image.random.find((entry) => entry.alpha === alpha)?.rareEvent;
      if (!estimate) continue;
      if (estimate.reached && estimate.log10Probability !== null && estimate.log10Interval[0] !== null) {
        estimates.push(estimate.log10Probability);
        lowers.push(estimate.log10Interval[0]);
        uppers.push(estimate.log10Interval[1]);
      } else {
        upperBounds.push(estimate.log10Interval[1]);
      }
    }
    const medianOrNull = (values: number[]) => (values.length ? median(values) : null);
    return { alpha, estimates, upperBounds, median: medianOrNull(estimates), medianLower: medianOrNull(lowers), medianUpper: medianOrNull(uppers), medianBound: medianOrNull(upperBounds) };
  });
}
