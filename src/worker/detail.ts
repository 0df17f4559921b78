/**
 * The detail view of one analysed image (the paper's Figures 11–12): the image, the adversarial
 * image x + ε*·v, the perturbation amplified to be visible, and a random perturbation of the same
 * L2 norm ε* that does not flip the prediction, with the model's outputs for each.
 */
import { attackByName, type AttackOptions } from '../engine/attacks/index';
import type { Classifier } from '../engine/classifier';
import type { RandomSet } from '../engine/sampling';
import type { ImageDetail } from '../protocol/messages';
import type { ImageRecord, LossKind } from '../protocol/report';
import type { ImageGeometry } from './model/input-shape';
import { toPicture } from './images/picture';

export interface DetailSettings {
  clip: boolean;
  /** Random perturbations tried per forward pass while looking for one that does not flip. */
  batchSize: number;
  /** The run's attack, run again for its outcome's direction (the attacks are deterministic). */
  attack: { name: string; scales: number; maxEps: number; options?: Partial<AttackOptions> };
}

export async function imageDetail(
  classifier: Classifier,
  geometry: ImageGeometry,
  file: string,
  x: Float32Array,
  record: ImageRecord,
  randomSet: RandomSet,
  settings: DetailSettings,
): Promise<ImageDetail> {
  const draw = (pixels: Float32Array) => toPicture(pixels, geometry.height, geometry.width, geometry.channels);
  const probabilities = async (pixels: Float32Array) => Array.from(await classifier.probabilities(pixels));
  const detail: ImageDetail = {
    file,
    original: draw(x),
    adversarial: null,
    perturbation: null,
    amplification: null,
    randomPerturbed: null,
    outputs: { original: await probabilities(x), adversarial: null, randomPerturbed: null },
    loss: null,
  };
  if (!record.adversarial) {
    detail.note = record.correct ? record.reason ?? 'not susceptible' : 'misclassified: not attacked';
    return detail;
  }
  const eps = record.adversarial.eps;
  const attack = await attackDirection(classifier, x, record.label, settings);
  if (!attack) {
    detail.note = 'zero gradient: no attack direction';
    return detail;
  }
  detail.loss = attack.loss;
  const adversarial = perturb(x, attack.direction, eps, settings.clip);
  const perturbation = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) perturbation[i] = adversarial[i] - x[i];
  const amplified = amplify(perturbation);
  detail.adversarial = draw(adversarial);
  detail.perturbation = draw(amplified.pixels);
  detail.amplification = amplified.factor;
  detail.outputs.adversarial = await probabilities(adversarial);

  const random = await firstNonFlipping(classifier, x, record.label, eps, randomSet, settings);
  if (random) {
    detail.randomPerturbed = draw(random);
    detail.outputs.randomPerturbed = await probabilities(random);
  } else {
    detail.note = `every one of the ${randomSet.count} random perturbations of norm ε* flips the prediction`;
  }
  return detail;
}

/**
 * The direction v of the adversarial image x + ε*·v and the loss that gave it, from the run's attack's
 * own outcome (the same unit direction its ε* was measured along); null without one.
 */
async function attackDirection(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  settings: DetailSettings,
): Promise<{ direction: Float32Array; loss: LossKind } | null> {
  const { name, scales, maxEps, options } = settings.attack;
  const outcome = await attackByName(name).run(classifier, x, label, { scales, maxEps, clip: settings.clip, options });
  return outcome.direction && outcome.loss ? { direction: outcome.direction, loss: outcome.loss } : null;
}

/** x + scale·direction in float32, as the classifier computes it on the device. */
function perturb(x: Float32Array, direction: Float32Array, scale: number, clip: boolean): Float32Array {
  const step = Math.fround(scale);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const value = Math.fround(x[i] + Math.fround(step * direction[i]));
    out[i] = clip ? Math.min(1, Math.max(0, value)) : value;
  }
  return out;
}

/** 0.5 + a·δ with a chosen so the largest |δ| reaches 0 or 1. */
function amplify(perturbation: Float32Array): { pixels: Float32Array; factor: number } {
  let largest = 0;
  for (const value of perturbation) largest = Math.max(largest, Math.abs(value));
  const factor = largest > 0 ? 0.5 / largest : 1;
  return { pixels: Float32Array.from(perturbation, (value) => 0.5 + factor * value), factor };
}

/** The first u_j of the run's random set, scaled to L2 norm ε*, whose perturbed image keeps the label. */
async function firstNonFlipping(
  classifier: Classifier,
  x: Float32Array,
  label: number,
  eps: number,
  set: RandomSet,
  settings: DetailSettings,
): Promise<Float32Array | null> {
  const d = set.dimension;
  for (let start = 0; start < set.count; start += settings.batchSize) {
    const count = Math.min(settings.batchSize, set.count - start);
    const rows = set.rows(start, count);
    const batch = new Float32Array(count * d);
    for (let j = 0; j < count; j++) {
      const row = rows.subarray(j * d, (j + 1) * d);
      batch.set(perturb(x, row, eps / set.l2[start + j], settings.clip), j * d);
    }
    const predictions = await classifier.predict(batch, count);
    const keeps = predictions.findIndex((predicted) => predicted === label);
    if (keeps >= 0) return batch.slice(keeps * d, (keeps + 1) * d);
  }
  return null;
}
