import { copyFileSync, mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encode } from 'fast-png';

const repoRoot = join(import.meta.dirname, '..', '..');
export const demoDir = join(repoRoot, 'media', 'demo');

export interface E2eWorkspace {
  folder: string;
  /** Absolute path of model.json inside the workspace. */
  model: string;
  /** Absolute path of the dataset folder inside the workspace. */
  data: string;
  classes: string[];
  imageCount: number;
}

/** Copies every file of `from` (not recursive) into `to`. */
function copyFiles(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isFile()) copyFileSync(join(from, entry.name), join(to, entry.name));
  }
}

/**
 * A workspace holding the shipped demo model and the first `perClass` images of each class of
 * the demo dataset (sorted names, so every run sees the same images).
 */
export function demoWorkspace(folder: string, perClass: number): E2eWorkspace {
  const model = join(folder, 'model');
  const data = join(folder, 'data');
  copyFiles(join(demoDir, 'model'), model);
  const classes = readdirSync(join(demoDir, 'data'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  let imageCount = 0;
  for (const name of classes) {
    const images = readdirSync(join(demoDir, 'data', name)).sort().slice(0, perClass);
    mkdirSync(join(data, name), { recursive: true });
    for (const image of images) copyFileSync(join(demoDir, 'data', name, image), join(data, name, image));
    imageCount += images.length;
  }
  return { folder, model: join(model, 'model.json'), data, classes, imageCount };
}

export function demoAvailable(): boolean {
  return existsSync(join(demoDir, 'model', 'model.json')) && existsSync(join(demoDir, 'data'));
}

/**
 * A workspace with a model written here, for when the demo is not in the tree: a dense sigmoid
 * unit on 12×12 RGB images that says "1_bright" when the mean pixel is above 0.5, and PNGs of
 * both classes (mean 0.3 or 0.7 with a little seeded noise), so every image is correct and the
 * attack flips it at L2 distance 0.2·√d.
 */
export async function fixtureWorkspace(folder: string, perClass: number): Promise<E2eWorkspace> {
  const side = 12;
  const d = side * side * 3;
  await tf.setBackend('cpu');
  const net = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [side, side, 3] }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: 'zeros' }),
    ],
  });
  net.layers[1].setWeights([tf.fill([d, 1], 1 / d), tf.tensor1d([-0.5])]);
  const modelDir = join(folder, 'model');
  mkdirSync(modelDir, { recursive: true });
  await net.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      writeFileSync(join(modelDir, 'weights.bin'), Buffer.concat(buffers.map((b) => Buffer.from(b))));
      const modelJson = {
        format: 'layers-model',
        generatedBy: 'robustness-lens e2e fixture',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(modelDir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  net.dispose();

  const classes = ['0_dark', '1_bright'];
  const data = join(folder, 'data');
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648 - 0.5) * 0.2;
  };
  classes.forEach((name, label) => {
    mkdirSync(join(data, name), { recursive: true });
    const level = label === 1 ? 0.7 : 0.3;
    for (let i = 0; i < perClass; i++) {
      const pixels = new Uint8Array(d);
      for (let j = 0; j < d; j++) pixels[j] = Math.round(255 * Math.min(1, Math.max(0, level + noise())));
      writeFileSync(join(data, name, `${String(i).padStart(3, '0')}.png`), encode({ width: side, height: side, channels: 3, data: pixels }));
    }
  });
  return { folder, model: join(modelDir, 'model.json'), data, classes, imageCount: perClass * classes.length };
}
