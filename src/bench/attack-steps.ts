/**
 * Gradient steps per second of each attack, in process through the worker's own classifier: every
 * attack on the same images, counting the gradients it asks for (loss or margin) and its forward
 * passes. What a check with --attack <name> spends per image before the random stage.
 */
import { attackByName, type AttackName } from '../engine/attacks/index';
import type { Classifier } from '../engine/classifier';
import { normStats } from '../engine/statistics';
import type { BackendChoice, ForwardChoice } from '../protocol/report';
import { listDataset } from '../run/dataset';
import { readTaskImage } from '../worker/images/model-image';
import { workerClassifier } from '../worker/worker-classifier';

export interface AttackStepsResult {
  attack: AttackName;
  /** Correctly classified images attacked. */
  images: number;
  seconds: number;
  /** Input gradients (loss or logit margin, one row each) over all images. */
  gradients: number;
  /** Images through forward passes (each line-search scale and each predict counts one). */
  forwardImages: number;
  gradientsPerSecond: number;
  imagesPerSecond: number;
  /** Images it flipped within maxEps, and the median of their ε*. */
  flipped: number;
  medianEps: number | null;
}

export interface AttackStepsSection {
  model: string;
  backend: BackendChoice;
  forward: ForwardChoice;
  /** ddn and fmn steps per image (--steps). */
  steps: number;
  results: AttackStepsResult[];
}

interface Counts {
  gradients: number;
  forwardImages: number;
}

/** `classifier` with its gradient and forward calls counted into `counts`. */
function counting(classifier: Classifier, counts: Counts): Classifier {
  return {
    inputShape: classifier.inputShape,
    dimension: classifier.dimension,
    classCount: classifier.classCount,
    predict: (batch, count) => ((counts.forwardImages += count), classifier.predict(batch, count)),
    probabilities: (x) => ((counts.forwardImages += 1), classifier.probabilities(x)),
    predictPerturbed: (x, directions, count, multipliers, clip) => ((counts.forwardImages += multipliers.length), classifier.predictPerturbed(x, directions, count, multipliers, clip)),
    lossGradient: (x, label) => ((counts.gradients += 1), classifier.lossGradient(x, label)),
    marginGradients: classifier.marginGradients && ((x, label, others) => ((counts.gradients += Math.max(1, others.length)), classifier.marginGradients!(x, label, others))),
    dispose: () => classifier.dispose(),
  };
}

export async function measureAttackSteps(
  target: { name: string; model: string; data: string; labels?: string; backend: BackendChoice; forward: ForwardChoice },
  attacks: readonly AttackName[],
  settings: { images: number; scales: number; maxEps: number; steps: number },
): Promise<AttackStepsSection> {
  const built = await workerClassifier(target.model, target.backend, target.forward, 1);
  try {
    const listing = await listDataset(target.data, target.labels);
    const images: { pixels: Float32Array; label: number }[] = [];
    for (const task of listing.images) {
      if (images.length === settings.images) break;
      const image = await readTaskImage(task, built.model.geometry);
      if ((await built.classifier.predict(image.pixels, 1))[0] === task.label) images.push({ pixels: image.pixels, label: task.label });
    }
    const results: AttackStepsResult[] = [];
    for (const attack of attacks) {
      const counts: Counts = { gradients: 0, forwardImages: 0 };
      const classifier = counting(built.classifier, counts);
      const eps: number[] = [];
      const started = performance.now();
      for (const image of images) {
        const outcome = await attackByName(attack).run(classifier, image.pixels, image.label, { scales: settings.scales, maxEps: settings.maxEps, clip: false, options: { steps: settings.steps } });
        if (outcome.found) eps.push(outcome.eps);
      }
      const seconds = (performance.now() - started) / 1000;
      results.push({
        attack,
        images: images.length,
        seconds,
        gradients: counts.gradients,
        forwardImages: counts.forwardImages,
        gradientsPerSecond: counts.gradients / seconds,
        imagesPerSecond: images.length / seconds,
        flipped: eps.length,
        medianEps: eps.length ? normStats(eps).median : null,
      });
    }
    return { model: target.name, backend: target.backend, forward: target.forward, steps: settings.steps, results };
  } finally {
    built.classifier.dispose();
  }
}

export function formatAttackSteps(sections: readonly AttackStepsSection[]): string {
  if (sections.length === 0) return '';
  const lines = ['', 'Attacks (one worker, in process): gradient steps per second and images per second per attack'];
  for (const section of sections) {
    lines.push(`  ${section.model} on ${section.backend} · forward ${section.forward} · ddn/fmn ${section.steps} steps`);
    for (const r of section.results) {
      const eps = r.medianEps === null ? '—' : r.medianEps.toFixed(3);
      lines.push(
        `    ${r.attack.padEnd(9)} ${r.gradientsPerSecond.toFixed(1).padStart(8)} gradients/s  ${r.imagesPerSecond.toFixed(2).padStart(7)} images/s  ${String(r.gradients).padStart(6)} gradients, ${String(r.forwardImages).padStart(7)} forward images on ${r.images} images  flipped ${r.flipped}, median ε* ${eps}`,
      );
    }
  }
  return lines.join('\n');
}
