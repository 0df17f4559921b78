import type { Attack } from './attack';
import { BestAttack } from './best';
import { DdnAttack } from './ddn';
import { DeepFoolAttack } from './deepfool';
import { FgmLineAttack } from './fgm-line';
import { FmnAttack } from './fmn';
import type { AttackName } from './names';

export type { Attack, AttackOutcome, AttackSettings, AttackStage } from './attack';
export { BestAttack } from './best';
export { DdnAttack } from './ddn';
export { DeepFoolAttack, defaultDeepFoolOptions, type DeepFoolOptions } from './deepfool';
export { FgmLineAttack } from './fgm-line';
export { FmnAttack } from './fmn';
export { scaleTolerance } from './line-search';
export { attackNames, bestOfAttacks, defaultAttack, isAttackName, type AttackName } from './names';
export { attackOptionRules, attackOptionsOf, attackOptionsProblem, defaultAttackOptions, resolveAttackOptions, type AttackOptions } from './options';

const fgmLine = new FgmLineAttack();
const deepfool = new DeepFoolAttack();
const ddn = new DdnAttack();
const fmn = new FmnAttack();

/** Every attack by name. */
export const attacks: Record<AttackName, Attack> = {
  'fgm-line': fgmLine,
  deepfool,
  ddn,
  fmn,
  best: new BestAttack({ 'fgm-line': fgmLine, deepfool, ddn, fmn }),
};

export function attackByName(name: string): Attack {
  const attack = Object.hasOwn(attacks, name) ? attacks[name as AttackName] : undefined;
  if (!attack) throw new Error(`unknown attack "${name}" (known: ${Object.keys(attacks).join(', ')})`);
  return attack;
}
