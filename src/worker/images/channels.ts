/**
 * A Raster to the model's channel count. Alpha is dropped, keeping the stored colour values (no
 * compositing on black or white): what PIL's convert('RGB') does, so images are read the way
 * torchvision's ImageFolder and Keras' load_img read them. Gray → RGB copies the gray value
 * into all three channels (as the paper did for Fashion-MNIST); RGB → gray is ITU-R 601 luma
 * (0.299 R + 0.587 G + 0.114 B), PIL's convert('L').
 */
import type { Raster } from './raster';

export function toChannels(raster: Raster, channels: 1 | 3): Raster {
  const opaque = withoutAlpha(raster);
  if (opaque.channels === channels) return opaque;
  const pixels = opaque.width * opaque.height;
  const data = new Float32Array(pixels * channels);
  if (channels === 3) {
    for (let i = 0; i < pixels; i++) {
      const gray = opaque.data[i];
      data[i * 3] = gray;
      data[i * 3 + 1] = gray;
      data[i * 3 + 2] = gray;
    }
  } else {
    for (let i = 0; i < pixels; i++) {
      data[i] = 0.299 * opaque.data[i * 3] + 0.587 * opaque.data[i * 3 + 1] + 0.114 * opaque.data[i * 3 + 2];
    }
  }
  return { width: opaque.width, height: opaque.height, channels, data };
}

function withoutAlpha(raster: Raster): Raster {
  if (raster.channels === 1 || raster.channels === 3) return raster;
  if (raster.channels !== 2 && raster.channels !== 4) throw new Error(`images with ${raster.channels} channels are not supported`);
  const kept = raster.channels - 1;
  const pixels = raster.width * raster.height;
  const data = new Float32Array(pixels * kept);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < kept; c++) data[i * kept + c] = raster.data[i * raster.channels + c];
  }
  return { width: raster.width, height: raster.height, channels: kept, data };
}
