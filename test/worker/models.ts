// Tiny real TF.js models for the worker tests, saved through the worker's own file handler.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSystemHandler } from '../../src/worker/model/file-io';

export function temporaryFolder(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rl-worker-${prefix}-`));
}

/** Flatten → Dense(units) with the given weights: z = x·kernel + bias, kernel [d, units]. */
export function denseModel(
  inputShape: number[],
  kernel: number[][],
  bias: number[],
  activation: 'sigmoid' | 'softmax' | 'linear' | 'tanh',
): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ inputShape }));
  model.add(tfl.layers.dense({ units: bias.length, activation }));
  model.layers[1].setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]);
  return model;
}

/** A small max-pooling CNN with seeded random weights. */
export function smallCnn(inputShape: number[], classes: number, activation: 'sigmoid' | 'softmax'): tfl.Sequential {
  const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(11) }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: classes, activation, kernelInitializer: seeded(12) }));
  return model;
}

/** Saves `model` as <folder>/model.json + weights.bin and returns the model.json path. */
export async function saveModel(model: tfl.LayersModel, folder: string): Promise<string> {
  const path = join(folder, 'model.json');
  await model.save(fileSystemHandler(path));
  return path;
}

/** Row-major kernel [d, units] from per-unit weight vectors. */
export function kernelFromUnits(units: number[][]): number[][] {
  const d = units[0].length;
  return Array.from({ length: d }, (_, i) => units.map((unit) => unit[i]));
}
