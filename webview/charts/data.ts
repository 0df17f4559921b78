/** The numbers behind the charts, drawn from the report (no DOM here). */
import type { ImageRecord, Norms, Report } from '../../src/protocol/report';
import { predictFlatBoundary, type FlatBoundaryPrediction } from '../../src/report/prediction';

export type NormKey = keyof Norms;

export const normLabels: Record<NormKey, string> = { l2: 'L2', l1: 'L1', linf: 'L∞' };

/** Classes drawn as violin categories: those with susceptible images, at most `limit` (the most populated). */
export function chartClasses(report: Report, limit = 12): number[] {
  const counts = new Map<number, number>();
  for (const r of report.images) if (r.adversarial) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  const present = [...counts.keys()];
  const kept = present.length <= limit ? present : present.sort((a, b) => counts.get(b)! - counts.get(a)! || a - b).slice(0, limit);
  return kept.sort((a, b) => a - b);
}

export function susceptibleImages(report: Report): ImageRecord[] {
  return report.images.filter((r) => r.adversarial !== null);
}

/** Per class, the adversarial perturbation norm of each susceptible image. */
export function adversarialByClass(report: Report, norm: NormKey, classes: number[]): number[][] {
  return classes.map((c) => report.images.filter((r) => r.label === c && r.adversarial).map((r) => r.adversarial![norm]));
}

/** Per class, the norm of the smallest flipping random perturbation at α of each image that has one. */
export function minFlipByClass(report: Report, norm: NormKey, alpha: number, classes: number[]): number[][] {
  return classes.map((c) =>
    report.images.filter((r) => r.label === c).flatMap((r) => {
      const flip = r.random.find((x) => x.alpha === alpha)?.minFlip;
      return flip ? [flip[norm]] : [];
    }),
  );
}

export interface AlphaStats {
  alpha: number;
  /** Susceptible images measured at this α. */
  measured: number;
  /** …of which at least one random perturbation flipped. */
  flipped: number;
  flips: number;
  trials: number;
  /** flips/samples per measured image. */
  rates: number[];
  /** log10(samples/flips) per image with at least one flip: the measured samples per flip. */
  log10SamplesPerFlip: number[];
  /** The flat-boundary prediction per measured image. */
  predictions: FlatBoundaryPrediction[];
}

export function alphaStats(report: Report): AlphaStats[] {
  const { alphas, dimension, maxEps, scales } = report.config;
  const gridStep = maxEps / scales;
  const susceptible = susceptibleImages(report);
  return alphas.map((alpha) => {
    const stats: AlphaStats = { alpha, measured: 0, flipped: 0, flips: 0, trials: 0, rates: [], log10SamplesPerFlip: [], predictions: [] };
    for (const r of susceptible) {
      const result = r.random.find((x) => x.alpha === alpha);
      if (!result || result.samples === 0) continue;
      stats.measured++;
      stats.flips += result.flips;
      stats.trials += result.samples;
      stats.rates.push(result.flips / result.samples);
      if (result.flips > 0) {
        stats.flipped++;
        stats.log10SamplesPerFlip.push(Math.log10(result.samples / result.flips));
      }
      stats.predictions.push(predictFlatBoundary(r.adversarial!.eps, alpha, dimension, gridStep));
    }
    return stats;
  });
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
