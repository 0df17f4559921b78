import { checkDefaults } from './defaults';
import type { CheckOptions } from './types';

/** Forward passes per rare-event estimate, or null when --rare-event is off. */
export function rareEventBudgetOf(options: Pick<CheckOptions, 'rareEvent' | 'rareEventBudget'>): number | null {
  return options.rareEvent ? (options.rareEventBudget ?? checkDefaults.rareEventBudget) : null;
}
