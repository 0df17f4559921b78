import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

const demoDir = join(repoRoot, 'media', 'demo');

/** A workspace folder holding `model/model.json` and the dataset folder `data/`. */
export interface E2eWorkspace {
  folder: string;
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
  if (!existsSync(join(demoDir, 'model', 'model.json')) || !existsSync(join(demoDir, 'data'))) {
    throw new Error(`the demo model and images are missing from ${demoDir}: run \`npm run train-demo\``);
  }
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
  return { folder, imageCount };
}
