/**
 * Real files for the extension's tests: TF.js layers models saved the way the converter lays them
 * out (model.json + weights.bin), PNG datasets in <class>/<image> folders, temp folders.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encode } from 'fast-png';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempFolder(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `rl-ext-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function saveModel(model: tfl.LayersModel, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(weights));
      writeFileSync(
        path,
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  return path;
}

/**
 * A linear classifier on size×size×1 images with one sigmoid output: bright images are class 1,
 * dark ones class 0 (boundary at mean brightness 0.5).
 */
export async function writeBrightnessModel(dir: string, size = 6): Promise<string> {
  await tf.setBackend('cpu');
  const d = size * size;
  const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [size, size, 1] }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })] });
  model.layers[1].setWeights([tf.fill([d, 1], 0.5), tf.tensor1d([-0.25 * d])]);
  const path = await saveModel(model, dir);
  model.dispose();
  return path;
}

/** A functional model ending in Dense(k) then a separate softmax Activation layer. */
export async function writeSoftmaxModel(dir: string, classes: number, size = 4): Promise<string> {
  await tf.setBackend('cpu');
  const input = tfl.input({ shape: [size, size, 1] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: classes, name: 'logits' }).apply(flat) as tfl.SymbolicTensor;
  const probabilities = tfl.layers.activation({ activation: 'softmax', name: 'probabilities' }).apply(logits) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: probabilities });
  const path = await saveModel(model, dir);
  model.dispose();
  return path;
}

/** A gray PNG of one brightness. */
export function writeGrayPng(path: string, size: number, brightness: number): void {
  const data = new Uint8Array(size * size).fill(Math.round(brightness * 255));
  writeFileSync(path, encode({ width: size, height: size, data, channels: 1, depth: 8 }));
}

/** <root>/<class>/<nn>.png for each class with the given brightnesses. */
export function writeDataset(root: string, classes: Record<string, number[]>, size = 6): string {
  for (const [name, brightnesses] of Object.entries(classes)) {
    mkdirSync(join(root, name), { recursive: true });
    brightnesses.forEach((b, i) => writeGrayPng(join(root, name, `${String(i).padStart(2, '0')}.png`), size, b));
  }
  return root;
}
