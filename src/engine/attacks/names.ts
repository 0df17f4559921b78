/**
 * The attacks a run can name (CLI --attack, EngineSettings.attack, report config.attack), kept
 * apart from their code so settings, arguments and messages can name them without loading it.
 */
export const attackNames = ['fgm-line', 'deepfool', 'ddn', 'fmn', 'best'] as const;

export type AttackName = (typeof attackNames)[number];

/** The attacks `best` runs, in this order; it keeps the smallest flipping perturbation (the first on a tie). */
export const bestOfAttacks = ['fgm-line', 'deepfool', 'ddn', 'fmn'] as const satisfies readonly AttackName[];

/** The paper's attack, the default everywhere. */
export const defaultAttack: AttackName = 'fgm-line';

export function isAttackName(value: unknown): value is AttackName {
  return typeof value === 'string' && (attackNames as readonly string[]).includes(value);
}
