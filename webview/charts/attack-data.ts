/**
 * The numbers behind the attack comparison of a `--attack best` report (no DOM here): each
 * attack's ε* per image, and its ratio to the paper's fgm-line ε* on the images both flip.
 */
import { bestOfAttacks } from '../../src/engine/attacks/names';
import { normStats } from '../../src/engine/statistics';
import type { ImageRecord, NormStats, Report } from '../../src/protocol/report';

/** The attacks the report holds an ε* of, in `best`'s order; empty for a single-attack report. */
export function comparedAttacks(report: Report): string[] {
  const present = new Set<string>();
  for (const r of report.images) for (const name of Object.keys(r.adversarial?.attacks ?? {})) present.add(name);
  const known: string[] = bestOfAttacks.filter((name) => present.has(name));
  return [...known, ...[...present].filter((name) => !known.includes(name)).sort()];
}

/** ε* of `attack` on this image: null where it found no flip or the report does not hold it. */
export function attackEps(record: ImageRecord, attack: string): number | null {
  const eps = record.adversarial?.attacks?.[attack];
  return typeof eps === 'number' ? eps : null;
}

/** ε*_attack / ε*_fgm-line on this image, where both flipped. */
export function ratioToFgmLine(record: ImageRecord, attack: string): number | null {
  const eps = attackEps(record, attack);
  const paper = attackEps(record, 'fgm-line');
  return eps !== null && paper !== null && paper > 0 ? eps / paper : null;
}

export interface AttackRow {
  attack: string;
  /** Correctly classified images it flipped within maxEps. */
  susceptible: number;
  correct: number;
  eps: number[];
  /** ε*_attack / ε*_fgm-line on the images both flipped. */
  ratios: number[];
  /** Images where its perturbation was the smallest (`adversarial.attack`). */
  wins: number;
  /** Mean, std and median of `eps` (0 for none). */
  stats: NormStats;
  /** Median of `ratios`; null for none. */
  medianRatio: number | null;
  /**
   * With best --random-per-attack: per α, of the images it flipped, those a random perturbation
   * of radius α·ε*_attack flipped (adversarial.randomByAttack); null without it.
   */
  random: { alpha: number; susceptible: number; measured: number }[] | null;
}

/** The paper's Table 1 adversarial rows, one row per attack. */
export function attackRows(report: Report): AttackRow[] {
  const correct = report.images.filter((r) => r.correct);
  return comparedAttacks(report).map((attack) => {
    const eps = correct.map((r) => attackEps(r, attack)).filter((value): value is number => value !== null);
    const ratios = correct.map((r) => ratioToFgmLine(r, attack)).filter((value): value is number => value !== null);
    return {
      attack,
      susceptible: eps.length,
      correct: correct.length,
      eps,
      ratios,
      wins: correct.filter((r) => r.adversarial?.attack === attack).length,
      stats: normStats(eps),
      medianRatio: ratios.length ? normStats(ratios).median : null,
      random: randomRates(report, correct, attack),
    };
  });
}

function randomRates(report: Report, correct: readonly ImageRecord[], attack: string): AttackRow['random'] {
  if (!report.images.some((r) => r.adversarial?.randomByAttack)) return null;
  const measured = correct.map((r) => r.adversarial?.randomByAttack?.[attack]).filter((results): results is NonNullable<typeof results> => results !== undefined);
  return report.config.alphas.map((alpha) => ({
    alpha,
    measured: measured.length,
    susceptible: measured.filter((results) => (results.find((entry) => entry.alpha === alpha)?.flips ?? 0) > 0).length,
  }));
}
