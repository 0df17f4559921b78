import { defaultAttack } from '../engine/attacks/names';
import { defaultAttackOptions } from '../engine/attacks/options';
import type { BackendChoice, ForwardChoice } from '../protocol/report';

/** The defaults of a check (CONTRACT.md), shared by the command line and the extension's settings. */
export const checkDefaults = {
  attack: defaultAttack,
  attackOptions: defaultAttackOptions,
  alphas: [1, 2, 5, 10],
  samples: 2000,
  scales: 256,
  maxEps: 10,
  seed: 0,
  clip: false,
  backend: 'auto' as BackendChoice,
  forward: 'auto' as ForwardChoice,
  rareEvent: false,
  rareEventBudget: 20_000,
};
