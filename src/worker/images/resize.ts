/**
 * Bilinear resizing with half-pixel centres and no antialiasing: tf.image.resize's default
 * (TensorFlow 2, Keras' image_dataset_from_directory) and PyTorch's
 * interpolate(mode='bilinear', align_corners=False). Source coordinate of output pixel i:
 * (i + 0.5)·in/out − 0.5, clamped to the image.
 */
import type { Raster } from './raster';

export const resizeMethod = 'bilinear';

export function resizeBilinear(raster: Raster, height: number, width: number): Raster {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`cannot resize to ${width}x${height}`);
  }
  const { channels } = raster;
  if (raster.height === height && raster.width === width) return raster;
  const rows = axisSamples(raster.height, height);
  const cols = axisSamples(raster.width, width);
  const data = new Float32Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    const top = rows.low[y] * raster.width;
    const bottom = rows.high[y] * raster.width;
    const fy = rows.fraction[y];
    for (let x = 0; x < width; x++) {
      const left = cols.low[x];
      const right = cols.high[x];
      const fx = cols.fraction[x];
      for (let c = 0; c < channels; c++) {
        const topLeft = raster.data[(top + left) * channels + c];
        const topRight = raster.data[(top + right) * channels + c];
        const bottomLeft = raster.data[(bottom + left) * channels + c];
        const bottomRight = raster.data[(bottom + right) * channels + c];
        const upper = topLeft + (topRight - topLeft) * fx;
        const lower = bottomLeft + (bottomRight - bottomLeft) * fx;
        data[(y * width + x) * channels + c] = upper + (lower - upper) * fy;
      }
    }
  }
  return { width, height, channels, data };
}

/** For each output index along one axis: the two source indices and the weight of the second. */
function axisSamples(inSize: number, outSize: number): { low: Int32Array; high: Int32Array; fraction: Float64Array } {
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const fraction = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const source = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    low[i] = Math.floor(source);
    high[i] = Math.min(low[i] + 1, inSize - 1);
    fraction[i] = source - low[i];
  }
  return { low, high, fraction };
}
