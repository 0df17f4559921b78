import type { Attack } from './attack';
import { DeepFoolAttack } from './deepfool';
import { FgmLineAttack } from './fgm-line';
import type { AttackName } from './names';

export type { Attack, AttackOutcome, AttackSettings, AttackStage } from './attack';
export { DeepFoolAttack, defaultDeepFoolOptions, type DeepFoolOptions } from './deepfool';
export { FgmLineAttack } from './fgm-line';
export { attackNames, defaultAttack, isAttackName, type AttackName } from './names';

/** Every attack by name. */
export const attacks: Record<AttackName, Attack> = {
  'fgm-line': new FgmLineAttack(),
  deepfool: new DeepFoolAttack(),
};

export function attackByName(name: string): Attack {
  const attack = Object.hasOwn(attacks, name) ? attacks[name as AttackName] : undefined;
  if (!attack) throw new Error(`unknown attack "${name}" (known: ${Object.keys(attacks).join(', ')})`);
  return attack;
}
