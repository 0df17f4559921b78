import type { Classifier } from '../classifier';
import { validateAttackSettings, type Attack, type AttackOutcome, type AttackSettings } from './attack';
import { bestOfAttacks, type AttackName } from './names';
import { failedOutcome, type FoundOutcome } from './outcome';

type Member = (typeof bestOfAttacks)[number];

/**
 * Every attack of `bestOfAttacks` on the image; the smallest flipping perturbation wins (the
 * earlier attack on a tie), and the outcome records the winner and each attack's ε*.
 */
export class BestAttack implements Attack {
  readonly name = 'best';

  constructor(private readonly members: Record<Member, Attack>) {}

  async run(classifier: Classifier, x: Float32Array, label: number, settings: AttackSettings): Promise<AttackOutcome> {
    validateAttackSettings(settings);
    const attacks: Partial<Record<AttackName, number | null>> = {};
    const failures: string[] = [];
    let winner: { name: Member; outcome: FoundOutcome } | null = null;
    let firstFailure: AttackOutcome | null = null;
    for (const name of bestOfAttacks) {
      const outcome = await this.members[name].run(classifier, x, label, settings);
      attacks[name] = outcome.found ? outcome.eps : null;
      if (!outcome.found) {
        failures.push(`${name}: ${outcome.reason}`);
        firstFailure ??= outcome;
      } else if (winner === null || outcome.eps < winner.outcome.eps) {
        winner = { name, outcome };
      }
    }
    if (winner === null) {
      const { loss = null, direction = null } = firstFailure ?? {};
      return failedOutcome(`no attack flipped it (${failures.join('; ')})`, loss, direction);
    }
    return { ...winner.outcome, winner: winner.name, attacks };
  }
}
