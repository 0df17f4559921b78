import { defaultPreprocessing } from '../protocol/preprocessing';
import { defaultAttack } from '../engine/attacks/names';
import { attackOptionsOf } from '../engine/attacks/options';
import type { ModelInfo } from '../protocol/messages';
import type { FileReason, RunConfig } from '../protocol/report';
import type { CheckOptions } from './types';
import { rareEventBudgetOf } from './rare-event-options';

/**
 * The report's `config` for a check: the options it ran with and what the workers found out about
 * the model. `model` is null only when a run was cancelled before any worker loaded it.
 */
/** The settings that decide an image's result, as the report's config and run.json both record them. */
export function resultSettingsOf(options: CheckOptions) {
  const attack = options.attack ?? defaultAttack;
  return {
    attack,
    attackOptions: attackOptionsOf(attack, options.attackOptions),
    scales: options.scales,
    maxEps: options.maxEps,
    alphas: options.alphas,
    samples: options.samples,
    seed: options.seed,
    clip: options.clip,
    rareEventBudget: rareEventBudgetOf(options),
    preprocess: options.preprocessing ?? defaultPreprocessing,
  };
}

export function runConfigOf(
  options: CheckOptions,
  classes: string[],
  model: ModelInfo | null,
  found: { resized?: string[]; skipped?: string[]; skippedReasons?: FileReason[]; failed?: FileReason[]; dataFormat?: string } = {},
): RunConfig {
  return {
    model: options.model,
    data: options.data,
    ...resultSettingsOf(options),
    backend: model?.backend ?? (options.backend === 'auto' || options.backend === 'cuda' || options.backend === 'webgpu' ? 'cpu' : options.backend),
    ...(model?.gradient ? { gradient: model.gradient } : {}),
    ...(model?.executionProvider ? { executionProvider: model.executionProvider } : {}),
    ...(model?.format ? { format: model.format } : {}),
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
    skippedReasons: found.skippedReasons ?? [],
    failed: found.failed ?? [],
    shard: options.shard ?? null,
  };
}
