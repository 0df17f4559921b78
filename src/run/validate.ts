/**
 * Range checks of a check's numeric settings, shared by the CLI (bad arguments, exit 2) and
 * startCheck (callers such as the extension). Pure: no file system.
 */
import { attackNames, isAttackName } from '../engine/attacks/names';
import { attackOptionRules, attackOptionsProblem } from '../engine/attacks/options';
import { backendChoices, forwardChoices } from '../protocol/report';
import type { CheckOptions } from './types';
import { minimumRareEventBudget } from '../engine/rare-event/estimate';

export { backendChoices, forwardChoices };

/** The first problem with `options`, as one line naming the flag, or null. */
export function checkOptionsProblem(options: CheckOptions): string | null {
  const positiveInteger = (value: number) => Number.isSafeInteger(value) && value >= 1;
  if (!options.model) return '--model is required';
  if (!options.data) return '--data is required';
  if (!options.out) return '--out is required';
  if (options.attack !== undefined && !isAttackName(options.attack)) return `--attack must be one of ${attackNames.join(', ')}, got ${options.attack}`;
  const attackOptions = options.attackOptions && attackOptionsProblem(options.attackOptions, (key) => attackOptionRules[key].flag);
  if (attackOptions) return attackOptions;
  if (options.alphas.length === 0) return '--alphas needs at least one value';
  const badAlpha = options.alphas.find((alpha) => !(Number.isFinite(alpha) && alpha > 0));
  if (badAlpha !== undefined) return `--alphas values must be positive numbers, got ${badAlpha}`;
  if (new Set(options.alphas).size !== options.alphas.length) return '--alphas lists a value twice';
  if (!positiveInteger(options.samples)) return `--samples must be a positive integer, got ${options.samples}`;
  if (!positiveInteger(options.scales)) return `--scales must be a positive integer, got ${options.scales}`;
  if (!(Number.isFinite(options.maxEps) && options.maxEps > 0)) return `--max-eps must be a positive number, got ${options.maxEps}`;
  if (options.classes !== undefined && (options.classes.length === 0 || options.classes.some((entry) => entry.trim() === ''))) return '--classes must be a comma list of class names or indices';
  if (options.classes !== undefined && new Set(options.classes).size !== options.classes.length) return '--classes lists a class twice';
  if (options.dataLabels !== undefined && options.dataLabels === '') return '--data-labels needs a file';
  if (options.limit !== undefined && !positiveInteger(options.limit)) return `--limit must be a positive integer, got ${options.limit}`;
  if (options.batchMemoryMb !== undefined && !(Number.isFinite(options.batchMemoryMb) && options.batchMemoryMb > 0)) return `--batch-mb must be a positive number, got ${options.batchMemoryMb}`;
  if (options.sample !== undefined && !positiveInteger(options.sample)) return `--sample must be a positive integer, got ${options.sample}`;
  if (!(Number.isSafeInteger(options.seed) && options.seed >= 0)) return `--seed must be a non-negative integer, got ${options.seed}`;
  if (options.rareEventBudget !== undefined) {
    if (!options.rareEvent) return '--rare-event-budget needs --rare-event';
    if (!(Number.isSafeInteger(options.rareEventBudget) && options.rareEventBudget >= minimumRareEventBudget)) {
      return `--rare-event-budget must be an integer of at least ${minimumRareEventBudget} forward passes, got ${options.rareEventBudget}`;
    }
  }
  if (!backendChoices.includes(options.backend)) return `--backend must be one of ${backendChoices.join(', ')}, got ${options.backend}`;
  if (options.forward !== undefined && !forwardChoices.includes(options.forward)) return `--forward must be one of ${forwardChoices.join(', ')}, got ${options.forward}`;
  if (options.workers !== undefined && !positiveInteger(options.workers)) return `--workers must be a positive integer, got ${options.workers}`;
  if (options.details !== undefined && !(Number.isSafeInteger(options.details) && options.details >= 0)) {
    return `--details must be a non-negative integer, got ${options.details}`;
  }
  if (options.universalityTargets !== undefined && !positiveInteger(options.universalityTargets)) {
    return `--universality-targets must be a positive integer, got ${options.universalityTargets}`;
  }
  if (options.universality === 'on' && options.shard && options.shard.count > 1) return '--universality needs whole classes: it cannot be measured on a --shard';
  const shard = options.shard;
  if (shard && !(positiveInteger(shard.count) && Number.isSafeInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) {
    return `--shard must be i/n with 0 <= i < n, got ${shard.index}/${shard.count}`;
  }
  return null;
}
