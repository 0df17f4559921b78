/**
 * Classes and probabilities from a model's output rows, for a forward engine whose outputs come
 * back as plain arrays. Same rules as the TF.js path (TfClassifier): p > 0.5 for a sigmoid, z > 0
 * for a single logit, the first largest output for k outputs (argMax's tie rule).
 */
import type { OutputActivation } from './loaded-model';

export function classesFromOutputs(outputs: Float32Array, rows: number, outputCount: number, activation: OutputActivation): Int32Array {
  if (outputs.length !== rows * outputCount) throw new Error(`${outputs.length} outputs are not ${rows} rows of ${outputCount}`);
  const classes = new Int32Array(rows);
  if (outputCount === 1) {
    const threshold = activation === 'linear' ? 0 : 0.5;
    for (let row = 0; row < rows; row++) classes[row] = outputs[row] > threshold ? 1 : 0;
    return classes;
  }
  for (let row = 0; row < rows; row++) {
    const start = row * outputCount;
    let best = 0;
    for (let k = 1; k < outputCount; k++) if (outputs[start + k] > outputs[start + best]) best = k;
    classes[row] = best;
  }
  return classes;
}

/** One image's class probabilities: [1 − p, p] for a single output; a softmax of logits. */
export function probabilitiesFromOutputs(outputs: Float32Array, activation: OutputActivation): Float32Array {
  if (outputs.length === 1) {
    const p = activation === 'linear' ? 1 / (1 + Math.exp(-outputs[0])) : outputs[0];
    return Float32Array.of(1 - p, p);
  }
  if (activation !== 'linear') return Float32Array.from(outputs);
  const max = Math.max(...outputs);
  const exps = Array.from(outputs, (z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return Float32Array.from(exps, (e) => e / sum);
}
