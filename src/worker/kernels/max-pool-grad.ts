/**
 * MaxPoolGrad for the wasm backend that routes each window's gradient to the FIRST maximum in
 * row-major window order, as the cpu backend, TensorFlow and PyTorch do. The wasm backend's own
 * kernel picks the last maximum, so on images with flat regions (ties everywhere) its input
 * gradient points elsewhere.
 *
 * The sums run in float64 in the same order as the cpu backend's kernel, so the result is the
 * cpu backend's to the last bit.
 */
import { backend_util, MaxPoolGrad, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';

/** dx for max pooling with first-maximum tie-breaking; pure, over NHWC arrays. */
export function maxPoolGradFirstMax(
  input: Float32Array,
  dy: Float32Array,
  info: backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const windowHeight = info.effectiveFilterHeight;
  const windowWidth = info.effectiveFilterWidth;
  const { top, left } = info.padInfo;
  const dx = new Float64Array(input.length);
  for (let b = 0; b < batchSize; b++) {
    const inBatch = b * inHeight * inWidth * inChannels;
    const outBatch = b * outHeight * outWidth * inChannels;
    for (let yR = 0; yR < outHeight; yR++) {
      const rowStart = yR * strideHeight - top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + windowHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const colStart = yC * strideWidth - left;
        const colFrom = Math.max(0, colStart);
        const colTo = Math.min(inWidth, colStart + windowWidth);
        const outBase = outBatch + (yR * outWidth + yC) * inChannels;
        for (let d = 0; d < inChannels; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let xR = rowFrom; xR < rowTo; xR++) {
            for (let xC = colFrom; xC < colTo; xC++) {
              const index = inBatch + (xR * inWidth + xC) * inChannels + d;
              // Strictly greater: a later equal value never replaces the first maximum.
              if (input[index] > best) {
                best = input[index];
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += dy[outBase + d];
        }
      }
    }
  }
  return Float32Array.from(dx);
}

const kernelFunc: KernelFunc = ({ inputs, backend: target, attrs }) => {
  const backend = target as KernelBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const values = maxPoolGradFirstMax(
    backend.readSync(input.dataId) as Float32Array,
    backend.readSync(dy.dataId) as Float32Array,
    info,
  );
  if (values.length !== util.sizeFromShape(input.shape)) throw new Error('MaxPoolGrad: gradient size mismatch');
  return { dataId: backend.write(values, input.shape, 'float32'), shape: input.shape, dtype: 'float32' };
};

export const maxPoolGradFirstMaxConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc,
};
