/**
 * A tiny real TF.js layers model written to disk the way the TF.js converter lays it out
 * (model.json + weights.bin), with a small file-system save handler (tfjs-node's file:// is not
 * available). Built on the cpu backend in the test process.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A linear classifier on size×size×1 images with one sigmoid output: bright images are class 1,
 * dark ones class 0 (the boundary is mean brightness 0.5, at a distance the attack can reach).
 */
export async function writeBrightnessModel(dir: string, size: number): Promise<string> {
  return writeLinearSigmoidModel(dir, size, 0.5, -0.25 * size * size);
}

/**
 * sigmoid(weight · Σ pixels + bias) on size×size×1 images. A NaN weight makes every output NaN; an
 * infinite weight makes the output NaN on an image with a black pixel (∞ · 0) and finite elsewhere.
 */
export async function writeLinearSigmoidModel(dir: string, size: number, weight: number, bias: number): Promise<string> {
  await tf.setBackend('cpu');
  const d = size * size;
  const model = tfl.sequential({
    layers: [tfl.layers.flatten({ inputShape: [size, size, 1] }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.layers[1].setWeights([tf.fill([d, 1], weight), tf.tensor1d([bias])]);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(weights));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(path, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  model.dispose();
  return path;
}
