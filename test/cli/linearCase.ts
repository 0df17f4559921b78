/**
 * A linear classifier p = sigmoid(w·x + b) as a real TF.js layers model on disk, with real 8-bit
 * gray PNG images whose distances to its decision hyperplane are known in closed form
 * (PROTOCOL.md "The theory"). Everything the tests expect is computed here in float64 from the
 * pixel values the images decode to (k/255).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { encode } from 'fast-png';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { denseModel, saveModel } from '../worker/models';

export interface LinearCase {
  /** [height, width, channels]: the model's input; images are gray PNGs of height×width. */
  shape: [number, number, number];
  /** d float32-exact weights, in the model's (row-major, channels last) input order. */
  weights: number[];
  /** Float32-exact bias. */
  bias: number;
}

export const dimensionOf = (c: LinearCase) => c.shape[0] * c.shape[1] * c.shape[2];
export const l2 = (v: readonly number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
export const l1 = (v: readonly number[]) => v.reduce((sum, x) => sum + Math.abs(x), 0);
export const linf = (v: readonly number[]) => v.reduce((largest, x) => Math.max(largest, Math.abs(x)), 0);

/** The x the model sees for gray bytes: k/255, copied into every channel. */
export function decodedPixels(c: LinearCase, gray: Uint8Array): Float64Array {
  const channels = c.shape[2];
  const x = new Float64Array(dimensionOf(c));
  for (let i = 0; i < gray.length; i++) for (let k = 0; k < channels; k++) x[i * channels + k] = gray[i] / 255;
  return x;
}

export function logit(c: LinearCase, x: ArrayLike<number>): number {
  let z = c.bias;
  for (let i = 0; i < c.weights.length; i++) z += c.weights[i] * x[i];
  return z;
}

/** |w·x + b| / ‖w‖₂ for the decoded image. */
export function distanceOf(c: LinearCase, gray: Uint8Array): number {
  return Math.abs(logit(c, decodedPixels(c, gray))) / l2(c.weights);
}

/** Per gray pixel, the weight its value meets: the sum over the channels it is copied into. */
function pixelWeights(c: LinearCase): number[] {
  const channels = c.shape[2];
  return Array.from({ length: c.shape[0] * c.shape[1] }, (_, p) => {
    let sum = 0;
    for (let k = 0; k < channels; k++) sum += c.weights[p * channels + k];
    return sum;
  });
}

/**
 * `start` moved one gray level at a time until it lies on `label`'s side at about `distance`
 * (the logit ±distance·‖w‖): each sweep steps every pixel whose step brings the logit closer.
 * Lands within about half the largest pixel step; callers use the decoded image's exact distance.
 */
export function grayImageAtDistance(c: LinearCase, start: Uint8Array, label: 0 | 1, distance: number): Uint8Array {
  const gray = Uint8Array.from(start);
  const weights = pixelWeights(c);
  const target = (label === 1 ? 1 : -1) * distance * l2(c.weights);
  let z = logit(c, decodedPixels(c, gray));
  for (let sweep = 0; sweep < 255; sweep++) {
    let moved = false;
    for (let p = 0; p < gray.length; p++) {
      const step = Math.sign(target - z) * Math.sign(weights[p]);
      const next = gray[p] + step;
      const change = (step * weights[p]) / 255;
      if (step === 0 || next < 0 || next > 255 || Math.abs(target - z - change) >= Math.abs(target - z)) continue;
      gray[p] = next;
      z += change;
      moved = true;
    }
    if (!moved) break;
  }
  return gray;
}

export function writeGrayPng(path: string, c: LinearCase, gray: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encode({ width: c.shape[1], height: c.shape[0], data: gray, channels: 1, depth: 8 }));
}

/** The model flatten → dense(1, sigmoid) with w and b, saved as <folder>/model.json + weights.bin. */
export async function saveLinearModel(c: LinearCase, folder: string): Promise<string> {
  await tf.setBackend('cpu');
  for (const value of [...c.weights, c.bias]) {
    if (Math.fround(value) !== value) throw new Error(`${value} is not float32-exact: the model would not hold the expected weights`);
  }
  const model = denseModel(c.shape, c.weights.map((w) => [w]), [c.bias], 'sigmoid');
  const path = await saveModel(model, folder);
  model.dispose();
  return path;
}

/** A deterministic ±1 from an index (an integer hash), for weight signs without a generator. */
export function signOf(index: number): 1 | -1 {
  let h = Math.imul(index + 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 1 ? 1 : -1;
}
