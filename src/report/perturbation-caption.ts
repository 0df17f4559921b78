/**
 * The caption under the detail view's perturbation picture. The picture is 0.5 + factor·δ, the
 * factor chosen so the largest |δ| reaches 0 or 1: above 1 the perturbation was amplified to be
 * seen, below 1 it was larger than the picture's range and was scaled down to fit.
 */
import { plainNumber } from './format';

export function perturbationCaption(factor: number | null): string {
  if (factor === null || !Number.isFinite(factor) || factor <= 0) return 'shown around grey';
  if (factor === 1) return 'shown as it is, around grey';
  return factor > 1 ? `amplified ×${plainNumber(factor)} around grey` : `scaled ×${plainNumber(factor)} to fit, around grey`;
}
