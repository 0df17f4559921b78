/**
 * The models and images the bench runs the protocol on, the same every time:
 *  - demo: the shipped demo model (media/demo/model, the paper's Fashion-MNIST network at a quarter
 *    of its channels) on the shipped demo images;
 *  - fashion-vgg: the paper's Fashion-MNIST network at full width (bench/models/fashion-mnist-vgg,
 *    trained by scripts/train-demo.ts --width 1), on the demo images;
 *  - cifar-vgg: the paper's full Table 2 network on 32x32x3 inputs with seeded random weights, and
 *    seeded synthetic images labelled by the model itself; generated at bench time and cached;
 *  - mobilenet-v2: MobileNetV2 (width 1.0, 5 classes) on 224x224x3, the size of the pretrained
 *    networks users audit, seeded random weights and synthetic images, generated the same way.
 * Each fixture's image set holds the first `images` of its classes, alternating between them.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { encode as encodePng } from 'fast-png';
import { fileSystemHandler } from '../worker/model/file-io';
import { mobileNetV2 } from './mobilenet-v2';
import { paperNetwork } from './paper-network';
import { SeededRandom } from '../engine/rng';

export const fixtureNames = ['demo', 'fashion-vgg', 'cifar-vgg', 'mobilenet-v2'] as const;
export type FixtureName = (typeof fixtureNames)[number];

export interface Fixture {
  name: string;
  /** model.json path. */
  model: string;
  /** Dataset folder <class>/<image>. */
  data: string;
  /** Labels file (class names in model output order), when the folders alone do not give them. */
  labels?: string;
  description: string;
}

/** Bumped whenever generated fixtures change, so stale cached copies are rebuilt. */
const generatorVersion = 1;
const cifarSeed = 7;
const mobileNetSeed = 11;
const mobileNetClasses = 5;

/** The repository root: the nearest folder above this code holding robustness-lens's package.json. */
export function repositoryRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'robustness-lens') return dir;
      } catch {
        // Not a readable manifest: keep looking.
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the robustness-lens repository above ${start}`);
  }
}

/** Copies up to `count` images from `source` (<class>/<image>), taking classes in turn. */
export function sampleDataset(source: string, target: string, count: number): void {
  const classes = readdirSync(source, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (classes.length === 0) throw new Error(`${source} holds no class folders`);
  const files = classes.map((name) => readdirSync(join(source, name)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort());
  rmSync(target, { recursive: true, force: true });
  for (const name of classes) mkdirSync(join(target, name), { recursive: true });
  let copied = 0;
  for (let rank = 0; copied < count && files.some((list) => rank < list.length); rank++) {
    for (let c = 0; c < classes.length && copied < count; c++) {
      const file = files[c][rank];
      if (file === undefined) continue;
      copyFileSync(join(source, classes[c], file), join(target, classes[c], file));
      copied++;
    }
  }
}


/** A smooth colour pattern with a little noise, in [0,1]: image `index` of the synthetic set. */
export function syntheticImage(index: number, height: number, width: number): Float32Array {
  const rng = new SeededRandom(1000 + index);
  const random = () => rng.next();
  const pixels = new Float32Array(height * width * 3);
  for (let c = 0; c < 3; c++) {
    const fy = 0.1 + random() * 0.5;
    const fx = 0.1 + random() * 0.5;
    const phase = random() * 2 * Math.PI;
    const level = 0.3 + random() * 0.4;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const value = level + 0.25 * Math.sin(fy * y + fx * x + phase) + 0.05 * (random() - 0.5);
        pixels[(y * width + x) * 3 + c] = Math.min(1, Math.max(0, value));
      }
    }
  }
  return pixels;
}

/** Saves `model` under <dir>/model and `count` synthetic images under <dir>/data/<predicted class>. */
async function generateSynthetic(dir: string, model: tfl.LayersModel, count: number): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const [height, width] = model.inputs[0].shape.slice(1) as number[];
  const outputs = model.outputs[0].shape[1] as number;
  try {
    await model.save(fileSystemHandler(join(dir, 'model', 'model.json')));
    const classes = Array.from({ length: Math.max(2, outputs) }, (_, k) => `class_${k}`);
    for (const name of classes) mkdirSync(join(dir, 'data', name), { recursive: true });
    writeFileSync(join(dir, 'labels.txt'), `${classes.join('\n')}\n`);
    for (let i = 0; i < count; i++) {
      const pixels = syntheticImage(i, height, width);
      const output = tf.tidy(() => model.predict(tf.tensor4d(pixels, [1, height, width, 3])) as tf.Tensor);
      const p = Array.from(await output.data());
      output.dispose();
      const predicted = outputs === 1 ? (p[0] > 0.5 ? 1 : 0) : p.indexOf(Math.max(...p));
      const png = encodePng({ width, height, channels: 3, depth: 8, data: Uint8Array.from(pixels, (v) => Math.round(v * 255)) });
      writeFileSync(join(dir, 'data', classes[predicted], `${String(i).padStart(4, '0')}.png`), png);
    }
    writeFileSync(join(dir, 'version.txt'), `${generatorVersion}\n`);
  } finally {
    model.dispose();
  }
}

/** A generated fixture under <workDir>/<name>-<images>, rebuilt only when its generator changed. */
async function generatedFixture(workDir: string, name: string, images: number, build: () => tfl.LayersModel): Promise<{ model: string; data: string; labels: string }> {
  const dir = join(workDir, `${name}-${images}`);
  const versionFile = join(dir, 'version.txt');
  const current = existsSync(versionFile) && readFileSync(versionFile, 'utf8').trim() === String(generatorVersion);
  if (!current) await generateSynthetic(dir, build(), images);
  return { model: join(dir, 'model', 'model.json'), data: join(dir, 'data'), labels: join(dir, 'labels.txt') };
}

/**
 * Prepares the named fixture under `workDir` (images sampled or generated there) and says where
 * its model and data are. The cifar-vgg fixture needs a TF.js backend set in this process.
 */
export async function prepareFixture(name: FixtureName, workDir: string, images: number): Promise<Fixture> {
  const root = repositoryRoot();
  const demoData = join(root, 'media', 'demo', 'data');
  switch (name) {
    case 'demo':
    case 'fashion-vgg': {
      const model =
        name === 'demo' ? join(root, 'media', 'demo', 'model', 'model.json') : join(root, 'bench', 'models', 'fashion-mnist-vgg', 'model.json');
      for (const path of [model, demoData]) if (!existsSync(path)) throw new Error(`${path} is missing (see scripts/train-demo.ts)`);
      const data = join(workDir, `${name}-data-${images}`);
      sampleDataset(demoData, data, images);
      const description =
        name === 'demo'
          ? "the demo model: the paper's Fashion-MNIST network at 1/4 of its channels, trained (7 vs 8)"
          : "the paper's Fashion-MNIST network (Table 2 without Conv-5/6), full width, trained (7 vs 8)";
      return { name, model, data, description };
    }
    case 'cifar-vgg': {
      const paths = await generatedFixture(workDir, name, images, () => paperNetwork(tfl, { inputShape: [32, 32, 3], conv56: true, width: 1, seed: cifarSeed, dropout: 0 }));
      return { name, ...paths, description: "the paper's CIFAR-10 network (Table 2, 32x32x3), seeded random weights, synthetic images" };
    }
    case 'mobilenet-v2': {
      const paths = await generatedFixture(workDir, name, images, () => mobileNetV2(tfl, { inputShape: [224, 224, 3], classes: mobileNetClasses, seed: mobileNetSeed }));
      return { name, ...paths, description: 'a MobileNetV2-sized network (MobileNetV2 1.0, 224x224x3, 5 classes), seeded random weights, synthetic images' };
    }
  }
}
