import { defaultAttack } from '../engine/attacks/names';
import { attackOptionsOf } from '../engine/attacks/options';
import type { ModelInfo } from '../protocol/messages';
import type { RunConfig } from '../protocol/report';
import type { CheckOptions } from './types';

/**
 * The report's `config` for a check: the options it ran with and what the workers found out about
 * the model. `model` is null only when a run was cancelled before any worker loaded it.
 */
export function runConfigOf(
  options: CheckOptions,
  classes: string[],
  model: ModelInfo | null,
  found: { resized?: string[]; skipped?: string[]; dataFormat?: string } = {},
): RunConfig {
  return {
    model: options.model,
    data: options.data,
    attack: options.attack ?? defaultAttack,
    attackOptions: attackOptionsOf(options.attack ?? defaultAttack, options.attackOptions),
    scales: options.scales,
    maxEps: options.maxEps,
    alphas: options.alphas,
    samples: options.samples,
    seed: options.seed,
    clip: options.clip,
    backend: model?.backend ?? (options.backend === 'auto' ? 'cpu' : options.backend),
    forward: model?.forward ?? 'tfjs',
    inputShape: model?.inputShape ?? [],
    dimension: model?.dimension ?? 0,
    classes,
    labels: options.labels ?? null,
    dataFormat: found.dataFormat ?? 'folder',
    dataLabels: options.dataLabels ?? null,
    classSubset: options.classes ?? null,
    limit: options.limit ?? null,
    sample: options.sample ?? null,
    resized: found.resized ?? [],
    skipped: found.skipped ?? [],
    shard: options.shard ?? null,
  };
}
