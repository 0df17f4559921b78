/**
 * A check's options as a whole, shared by the CLI (bad arguments, exit 2) and startCheck (callers
 * such as the extension): the paths it needs and the combinations of flags; each value's own rule is
 * settingsProblem's (src/protocol/settings-rules.ts), the one the extension and the worker use too. Pure.
 */
import { settingsProblem } from '../protocol/settings-rules';
import type { CheckOptions } from './types';

export { backendChoices, forwardChoices } from '../protocol/report';

/** The first problem with `options`, as one line naming the flag, or null. */
export function checkOptionsProblem(options: CheckOptions): string | null {
  if (!options.model) return '--model is required';
  if (!options.data) return '--data is required';
  if (!options.out) return '--out is required';
  const setting = settingsProblem(options, 'flag');
  if (setting) return setting;
  if (options.classes !== undefined && (options.classes.length === 0 || options.classes.some((entry) => entry.trim() === ''))) return '--classes must be a comma list of class names or indices';
  if (options.classes !== undefined && new Set(options.classes).size !== options.classes.length) return '--classes lists a class twice';
  if (options.dataLabels !== undefined && options.dataLabels === '') return '--data-labels needs a file';
  if (options.rareEventBudget !== undefined && !options.rareEvent) return '--rare-event-budget needs --rare-event';
  if (options.universality === 'on' && options.shard && options.shard.count > 1) return '--universality needs whole classes: it cannot be measured on a --shard';
  const shard = options.shard;
  const positiveInteger = (value: number) => Number.isSafeInteger(value) && value >= 1;
  if (shard && !(positiveInteger(shard.count) && Number.isSafeInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) {
    return `--shard must be i/n with 0 <= i < n, got ${shard.index}/${shard.count}`;
  }
  return null;
}
