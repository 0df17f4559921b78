/** An image file as the model sees it: decoded, converted to its channels, resized to its input. */
import { readFile } from 'node:fs/promises';
import type { ImageGeometry } from '../model/input-shape';
import { toChannels } from './channels';
import { decodeImage } from './decode';
import { resizeBilinear, resizeMethod } from './resize';

export interface ModelImage {
  /** height·width·channels values in [0, 1], row-major: the x of the protocol. */
  pixels: Float32Array;
  /** How the image was resized, e.g. "bilinear from 32x32 to 28x28"; null when it already fit. */
  resized: string | null;
}

/** Decodes `bytes` for a model of `geometry`; throws a one-line reason when it cannot. */
export function modelImage(bytes: Uint8Array, geometry: ImageGeometry): ModelImage {
  const decoded = decodeImage(bytes);
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
