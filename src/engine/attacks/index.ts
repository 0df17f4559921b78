import type { Attack } from './attack';
import { FgmLineAttack } from './fgm-line';

export type { Attack, AttackOutcome, AttackSettings, AttackStage } from './attack';
export { FgmLineAttack } from './fgm-line';

/** Every attack by name. */
export const attacks: Record<string, Attack> = {
  'fgm-line': new FgmLineAttack(),
};

export function attackByName(name: string): Attack {
  const attack = Object.hasOwn(attacks, name) ? attacks[name] : undefined;
  if (!attack) throw new Error(`unknown attack "${name}" (known: ${Object.keys(attacks).join(', ')})`);
  return attack;
}
