// Seeded weights and inputs for the ONNX tests: every weight of a TF.js layers model set from
// the engine's PRNG, so a translation bug shows up as a difference from TF.js, run after run.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { SeededRandom } from '../../../src/engine/rng';

/** Uniform values in [low, high). */
export function seededValues(count: number, seed: number, low = -1, high = 1): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length: count }, () => low + (high - low) * random.next());
}

/**
 * Sets every weight of `model` from `seed`: kernels and biases in [−0.5, 0.5), batch-norm
 * gammas in [0.5, 1.5), moving means in [−0.5, 0.5) and moving variances in [0.2, 2).
 */
export function seedWeights(model: tfl.LayersModel, seed: number): tfl.LayersModel {
  const random = new SeededRandom(seed);
  for (const layer of model.layers) {
    const weights = layer.weights.map((weight) => {
      const [low, high] = weight.name.includes('moving_variance') ? [0.2, 2] : weight.name.includes('gamma') ? [0.5, 1.5] : [-0.5, 0.5];
      const size = weight.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      return tf.tensor(Float32Array.from({ length: size }, () => low + (high - low) * random.next()), weight.shape as number[]);
    });
    if (weights.length > 0) layer.setWeights(weights);
    tf.dispose(weights);
  }
  return model;
}

/** The largest |a − b| / max(1, |b|) of two equally long arrays. */
export function worstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`${actual.length} values against ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    worst = Number.isNaN(difference) ? Infinity : Math.max(worst, difference);
  }
  return worst;
}
