/**
 * Two runs side by side (robustness-lens compare, the extension's Compare): Table 1 of each with
 * deltas, and per image analysed in both the ratio of the adversarial distances ε*_B / ε*_A.
 * Pure: reports in, a CompareReport out.
 */
import type { CompareImage, CompareMeasure, CompareReport, CompareRun, Report } from '../protocol/report';
import { median } from './statistics';

export interface NamedReport {
  report: Report;
  source: string;
  name: string;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

function run(named: NamedReport): CompareRun {
  const { report } = named;
  return {
    source: named.source,
    name: named.name,
    model: report.config.model,
    data: report.config.data,
    attack: report.config.attack,
    summary: report.summary,
    eps: report.images.flatMap((image) => (image.adversarial ? [image.adversarial.eps] : [])),
  };
}

/** The measures both runs have: Table 1's rows, and per α the random susceptibility and flip rate where both measured that α. */
export function compareMeasures(a: Report, b: Report): CompareMeasure[] {
  const measure = (key: string, label: string, valueA: number, valueB: number): CompareMeasure => ({ key, label, a: valueA, b: valueB, delta: valueB - valueA });
  const sa = a.summary;
  const sb = b.summary;
  const measures = [
    measure('images', 'Images', sa.images, sb.images),
    measure('accuracy', 'Accuracy', sa.accuracy, sb.accuracy),
    measure('adversarial.rate', 'Adversarial susceptibility', sa.adversarial.rate, sb.adversarial.rate),
    measure('adversarial.l2.median', 'Adversarial L2, median', sa.adversarial.l2.median, sb.adversarial.l2.median),
    measure('adversarial.l2.mean', 'Adversarial L2, mean', sa.adversarial.l2.mean, sb.adversarial.l2.mean),
    measure('adversarial.l1.mean', 'Adversarial L1, mean', sa.adversarial.l1.mean, sb.adversarial.l1.mean),
    measure('adversarial.linf.mean', 'Adversarial L∞, mean', sa.adversarial.linf.mean, sb.adversarial.linf.mean),
  ];
  for (const ra of sa.random) {
    const rb = sb.random.find((entry) => entry.alpha === ra.alpha);
    if (!rb) continue;
    measures.push(measure(`random.${ra.alpha}.rate`, `Random susceptibility, α = ${ra.alpha}`, ra.rate, rb.rate));
    const flipRate = (r: typeof ra) => (r.trials === 0 ? 0 : r.flips / r.trials);
    measures.push(measure(`random.${ra.alpha}.flipRate`, `Random flip rate, α = ${ra.alpha}`, flipRate(ra), flipRate(rb)));
  }
  if (a.universality?.status === 'measured' && b.universality?.status === 'measured') {
    measures.push(measure('universality.rate', 'Universality: flip rate of one image’s perturbation on others', a.universality.rate, b.universality.rate));
  }
  return measures;
}

export function compareReports(a: NamedReport, b: NamedReport, tool: CompareReport['tool']): CompareReport {
  const byFile = new Map(b.report.images.map((image) => [image.file, image]));
  let common = 0;
  let susceptibleA = 0;
  let susceptibleB = 0;
  const images: CompareImage[] = [];
  for (const imageA of a.report.images) {
    const imageB = byFile.get(imageA.file);
    if (!imageB) continue;
    common++;
    if (imageA.adversarial) susceptibleA++;
    if (imageB.adversarial) susceptibleB++;
    if (imageA.adversarial && imageB.adversarial) {
      const epsA = imageA.adversarial.eps;
      const epsB = imageB.adversarial.eps;
      images.push({ file: imageA.file, epsA, epsB, ratio: epsB / epsA });
    }
  }
  const ratios = images.map((image) => image.ratio).sort((x, y) => x - y);
  const logMean = ratios.length ? ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length : 0;
  return {
    tool,
    kind: 'compare',
    a: run(a),
    b: run(b),
    measures: compareMeasures(a.report, b.report),
    common: { images: common, susceptibleA, susceptibleB, susceptibleBoth: images.length },
    ratio: {
      median: median(ratios),
      q1: quantile(ratios, 0.25),
      q3: quantile(ratios, 0.75),
      geometricMean: ratios.length ? Math.exp(logMean) : 0,
      larger: ratios.filter((r) => r > 1).length,
      smaller: ratios.filter((r) => r < 1).length,
      equal: ratios.filter((r) => r === 1).length,
    },
    images,
  };
}
