/** An image as the model sees it: decoded (from its file or its array record), converted to its channels, resized to its input. */
import { readFile } from 'node:fs/promises';
import type { ImageTask } from '../../protocol/messages';
import type { ImageGeometry } from '../model/input-shape';
import { readArrayRecord } from './array-record';
import { toChannels } from './channels';
import { decodeImage } from './decode';
import type { Raster } from './raster';
import { resizeBilinear, resizeMethod } from './resize';

export interface ModelImage {
  /** height·width·channels values in [0, 1], row-major: the x of the protocol. */
  pixels: Float32Array;
  /** How the image was resized, e.g. "bilinear from 32x32 to 28x28"; null when it already fit. */
  resized: string | null;
}

/** Decodes `bytes` for a model of `geometry`; throws a one-line reason when it cannot. */
export async function modelImage(bytes: Uint8Array, geometry: ImageGeometry): Promise<ModelImage> {
  return fitToModel(await decodeImage(bytes), geometry);
}

/** A decoded image converted to the model's channels (gray copied to RGB, RGB to luma) and resized to its input. */
export function fitToModel(decoded: Raster, geometry: ImageGeometry): ModelImage {
  const converted = toChannels(decoded, geometry.channels === 1 ? 1 : 3);
  const sized = resizeBilinear(converted, geometry.height, geometry.width);
  const resized =
    sized === converted
      ? null
      : `${resizeMethod} from ${decoded.width}x${decoded.height} to ${geometry.width}x${geometry.height}`;
  return { pixels: sized.data, resized };
}

export async function readModelImage(path: string, geometry: ImageGeometry): Promise<ModelImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return modelImage(bytes, geometry);
}

/** The task's image: its array record when it has one, else its image file. */
export async function readTaskImage(task: ImageTask, geometry: ImageGeometry): Promise<ModelImage> {
  if (task.source === undefined) return readModelImage(task.path, geometry);
  return fitToModel(await readArrayRecord(task.source), geometry);
}
