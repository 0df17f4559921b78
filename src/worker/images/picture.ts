/** Pixel-space images as the PictureData the panel draws: RGB bytes, base64. */
import type { PictureData } from '../../protocol/messages';

/** `pixels` (height·width·channels in [0, 1], channels 1 or 3) as 8-bit RGB; values outside [0, 1] are clamped. */
export function toPicture(pixels: ArrayLike<number>, height: number, width: number, channels: number): PictureData {
  if (channels !== 1 && channels !== 3) throw new Error(`cannot draw an image of ${channels} channels`);
  if (pixels.length !== height * width * channels) throw new Error(`${pixels.length} values are not a ${width}x${height}x${channels} image`);
  const count = height * width;
  const bytes = Buffer.alloc(count * 3);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) {
      const value = pixels[channels === 1 ? i : i * 3 + c];
      bytes[i * 3 + c] = Math.round(Math.min(1, Math.max(0, value)) * 255);
    }
  }
  return { width, height, channels: 3, base64: bytes.toString('base64') };
}
