/**
 * The run-level universality phase (the paper's Theorem 8), after the per-image protocol and
 * before the workers shut down: decide whether to measure (always with --universality, by default
 * only when it costs under 10 % of the run), split each class's sources into batches for the
 * workers, and gather the report's `universality` section.
 */
import type { ImageTask, UniversalityPart, UniversalityWork } from '../protocol/messages';
import type { ImageRecord, UniversalityReport, UniversalitySource } from '../protocol/report';
import { planUniversality, pooledRates, summarizeClass, universalityCostFraction, type ClassPlan } from '../engine/universality';
import type { CheckOptions, UniversalityMode } from './types';

export const defaultUniversalityTargets = 200;
/** By default the measure runs only when its forward passes are under this share of the run's. */
export const defaultCostLimit = 0.1;
/** Sources per batch at most: each batch holds two rows of d floats per source in the worker. */
const maxSourcesPerBatch = 32;

export interface UniversalityInput {
  entries: { record: ImageRecord; task: ImageTask }[];
  classes: string[];
  mode: UniversalityMode;
  targetsPerClass: number;
  sharded: boolean;
  settings: { scales: number; maxEps: number; samples: number; alphas: readonly number[] };
}

/** What the phase needs from the worker pool. */
export interface UniversalityWorkers {
  readonly size: number;
  universality(work: UniversalityWork): Promise<UniversalityPart>;
}

export type UniversalityDecision =
  | { measure: true; plans: ClassPlan<ImageTask>[]; costFraction: number }
  | { measure: false; report: UniversalityReport | null };

function skipped(input: UniversalityInput, costFraction: number, reason: string): UniversalityReport {
  return {
    status: 'skipped',
    reason,
    targetsPerClass: input.targetsPerClass,
    forced: input.mode === 'on',
    costFraction,
    pairs: 0,
    flips: 0,
    rate: 0,
    baselineFlips: 0,
    baselineRate: 0,
    classes: [],
    sources: [],
  };
}

/** Whether to measure, and on what; a skipped measure still says why in the report (null: turned off). */
export function decideUniversality(input: UniversalityInput): UniversalityDecision {
  if (input.mode === 'off') return { measure: false, report: null };
  const plans = planUniversality(input.entries, input.targetsPerClass);
  const costFraction = universalityCostFraction(
    input.entries.map((entry) => entry.record),
    plans,
    input.settings,
  );
  if (input.sharded) return { measure: false, report: skipped(input, costFraction, 'a shard holds only part of each class: universality is not measured on shards') };
  if (plans.length === 0) {
    return { measure: false, report: skipped(input, costFraction, 'no class has a susceptible image and another correctly classified image to try it on') };
  }
  if (input.mode === 'auto' && costFraction >= defaultCostLimit) {
    const percent = Math.round(costFraction * 100);
    return { measure: false, report: skipped(input, costFraction, `it would cost about ${percent} % of the run's forward passes (on by default under ${defaultCostLimit * 100} %); --universality measures it`) };
  }
  return { measure: true, plans, costFraction };
}

/** Each class's sources in batches, enough of them to keep every worker busy. */
export function universalityBatches(plans: readonly ClassPlan<ImageTask>[], workers: number): UniversalityWork[] {
  const totalSources = plans.reduce((n, plan) => n + plan.sources.length, 0);
  const perBatch = Math.max(1, Math.min(maxSourcesPerBatch, Math.ceil(totalSources / Math.max(1, 2 * workers))));
  const batches: UniversalityWork[] = [];
  for (const plan of plans) {
    for (let start = 0; start < plan.sources.length; start += perBatch) {
      batches.push({
        label: plan.label,
        sources: plan.sources.slice(start, start + perBatch).map(({ task, record }) => ({ task, eps: (record.adversarial as { eps: number }).eps })),
        targets: plan.targets,
      });
    }
  }
  return batches;
}

/**
 * Runs the batches on the workers, one in hand per worker at a time, and builds the report
 * section. `log` hears notes about sources that could not be used.
 */
export async function measureUniversality(
  input: UniversalityInput,
  decision: Extract<UniversalityDecision, { measure: true }>,
  workers: UniversalityWorkers,
  isCancelled: () => boolean,
  log: (message: string) => void,
): Promise<UniversalityReport> {
  const batches = universalityBatches(decision.plans, workers.size);
  const parts: { work: UniversalityWork; part: UniversalityPart }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < batches.length && !isCancelled()) {
      const work = batches[next++];
      try {
        parts.push({ work, part: await workers.universality(work) });
      } catch (error) {
        if (isCancelled()) return;
        const note = (error as Error).message.split('\n')[0];
        parts.push({ work, part: { sources: work.sources.map(({ task }) => ({ index: task.index, targets: 0, flips: 0, baselineFlips: 0, note })) } });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers.size, batches.length) }, lane));
  if (isCancelled()) return skipped(input, decision.costFraction, 'the run was cancelled');

  const recordOf = new Map(input.entries.map((entry) => [entry.task.index, entry.record]));
  const sources: (UniversalitySource & { index: number })[] = [];
  let unusable = 0;
  for (const { work, part } of parts) {
    part.sources.forEach((result, i) => {
      const record = recordOf.get(result.index) as ImageRecord;
      if (result.note !== undefined) {
        unusable++;
        if (unusable <= 3) log(`universality: ${work.sources[i].task.file} not used as a source: ${result.note}`);
        return;
      }
      sources.push({
        file: record.file,
        label: work.label,
        eps: work.sources[i].eps,
        targets: result.targets,
        flips: result.flips,
        baselineFlips: result.baselineFlips,
        index: result.index,
      });
    });
  }
  if (unusable > 3) log(`universality: ${unusable} sources in all could not be used`);
  sources.sort((a, b) => a.index - b.index);
  const classes = decision.plans.map((plan) =>
    summarizeClass(
      plan.label,
      input.classes[plan.label] ?? String(plan.label),
      plan.correct,
      plan.targets.length,
      sources.filter((source) => source.label === plan.label),
    ),
  );
  return {
    status: 'measured',
    targetsPerClass: input.targetsPerClass,
    forced: input.mode === 'on',
    costFraction: decision.costFraction,
    ...pooledRates(classes),
    classes,
    sources: sources.map(({ index: _index, ...source }) => source),
  };
}

/** The phase as check.ts runs it: the finished records in dataset order, then decide and measure. */
export async function runUniversalityPhase(
  workers: UniversalityWorkers,
  options: CheckOptions,
  selected: Iterable<ImageTask>,
  finished: ReadonlyMap<number, ImageRecord>,
  classes: string[],
  isCancelled: () => boolean,
  log: (message: string) => void,
): Promise<{ report: UniversalityReport | null; seconds: number }> {
  const started = Date.now();
  const entries: UniversalityInput['entries'] = [];
  for (const task of selected) {
    const record = finished.get(task.index);
    if (record) entries.push({ record, task });
  }
  const input: UniversalityInput = {
    entries,
    classes,
    mode: options.universality ?? 'auto',
    targetsPerClass: options.universalityTargets ?? defaultUniversalityTargets,
    sharded: options.shard !== undefined && options.shard.count > 1,
    settings: options,
  };
  const decision = decideUniversality(input);
  if (!decision.measure) {
    if (decision.report?.reason) log(`universality not measured: ${decision.report.reason}`);
    return { report: decision.report, seconds: 0 };
  }
  const pairs = decision.plans.reduce((n, plan) => n + plan.sources.length * (plan.targets.length - 1), 0);
  log(`universality: ${pairs} source-target pairs over ${decision.plans.length} class${decision.plans.length === 1 ? '' : 'es'} (about ${Math.round(decision.costFraction * 1000) / 10} % of the run)`);
  const report = await measureUniversality(input, decision, workers, isCancelled, log);
  return { report, seconds: (Date.now() - started) / 1000 };
}
