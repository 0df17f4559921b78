/**
 * The worker's side of the universality measure: decode the sources, rerun the attack on each to
 * get its direction v back, then try every source's ε*·v (and its random baseline ε*·u) on every
 * target of the class.
 */
import { attackByName } from '../engine/attacks/index';
import type { MeasurementSettings } from '../engine/measurement';
import type { Classifier } from '../engine/classifier';
import { baselineDirection, flipsOnTarget, packSources, type PerturbationSource } from '../engine/universality';
import type { UniversalityPart, UniversalityWork } from '../protocol/messages';
import type { RunSettings } from '../protocol/settings';
import { readTaskImage } from './images/model-image';
import type { ImageGeometry } from './model/input-shape';

/** What the universality rerun reads: the measurement's attack settings (the run's attack options included, so it finds the run's direction) and the run's seed. */
export interface UniversalitySettings extends Pick<MeasurementSettings, 'attack' | 'scales' | 'maxEps' | 'clip' | 'batchSize' | 'attackOptions'>, Pick<RunSettings, 'seed'> {
  lineSearchChunk: number;
}

export async function measureUniversalityWork(
  classifier: Classifier,
  geometry: ImageGeometry,
  work: UniversalityWork,
  settings: UniversalitySettings,
  isCancelled: () => boolean,
): Promise<UniversalityPart> {
  const attack = attackByName(settings.attack);
  const notes = new Map<number, string>();
  const usable: PerturbationSource[] = [];
  for (const { task, eps } of work.sources) {
    if (isCancelled()) break;
    try {
      const image = await readTaskImage(task, geometry);
      const outcome = await attack.run(classifier, image.pixels, work.label, {
        scales: settings.scales,
        maxEps: settings.maxEps,
        clip: settings.clip,
        lineSearchChunk: settings.lineSearchChunk,
        options: settings.attackOptions,
      });
      if (!outcome.direction) notes.set(task.index, `the attack gave no direction on a rerun (${outcome.found ? 'found' : outcome.reason})`);
      // The report's ε* sets the norm: the rerun only brings the direction back.
      else usable.push({ index: task.index, eps, direction: outcome.direction });
    } catch (error) {
      notes.set(task.index, (error as Error).message.split('\n')[0]);
    }
  }
  const baselines = usable.map((source) => baselineDirection(settings.seed, source.index, classifier.dimension));
  const batches = packSources(usable, baselines, classifier.dimension, settings.batchSize);
  const tally = usable.map(() => ({ targets: 0, flips: 0, baselineFlips: 0 }));
  for (const target of work.targets) {
    if (isCancelled()) break;
    let image;
    try {
      image = await readTaskImage(target, geometry);
    } catch {
      continue; // An undecodable target was reported by the per-image protocol already; it is no target.
    }
    const flips = await flipsOnTarget(classifier, image.pixels, work.label, batches, settings.clip);
    usable.forEach((source, row) => {
      if (source.index === target.index) return;
      tally[row].targets++;
      if (flips.adversarial[row]) tally[row].flips++;
      if (flips.baseline[row]) tally[row].baselineFlips++;
    });
  }
  const byIndex = new Map(usable.map((source, row) => [source.index, tally[row]]));
  return {
    sources: work.sources.map(({ task }) => {
      const counts = byIndex.get(task.index);
      if (counts) return { index: task.index, ...counts };
      return { index: task.index, targets: 0, flips: 0, baselineFlips: 0, note: notes.get(task.index) ?? 'cancelled' };
    }),
  };
}
