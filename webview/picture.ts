/** Turns the engine's PictureData (8-bit gray, RGB or RGBA, base64) into an image URL the page can show. */
import type { PictureData } from '../src/protocol/messages';

export function pictureToDataUrl(picture: PictureData): string {
  const { width, height, channels } = picture;
  if (![1, 3, 4].includes(channels)) throw new Error(`pictures have 1, 3 or 4 channels, not ${channels}`);
  const binary = atob(picture.base64);
  if (binary.length !== width * height * channels) throw new Error(`picture data holds ${binary.length} bytes, expected ${width}×${height}×${channels}`);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas');
  const image = context.createImageData(width, height);
  for (let i = 0, o = 0; o < image.data.length; i += channels, o += 4) {
    const r = binary.charCodeAt(i);
    image.data[o] = r;
    image.data[o + 1] = channels === 1 ? r : binary.charCodeAt(i + 1);
    image.data[o + 2] = channels === 1 ? r : binary.charCodeAt(i + 2);
    image.data[o + 3] = channels === 4 ? binary.charCodeAt(i + 3) : 255;
  }
  context.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}
