/**
 * Filter gradients for the wasm backend, which has none: Conv2DBackpropFilter and
 * DepthwiseConv2dNativeBackpropFilter. An input gradient needs them too, because the gradient of
 * TF.js's fused convolutions (conv + bias without activation, as in MobileNet's conv → batch norm
 * blocks) computes the filter gradient eagerly. The cpu backend's kernels read every element
 * through TensorBuffer.get, ~100× slower than these loops over typed arrays; the sums are the
 * same (float64 accumulation), in another order. NCHW data and dilated filters run on the cpu
 * backend's kernels (cpu-fallback.ts).
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter,
  getKernel,
} from '@tensorflow/tfjs-core';
import type {
  Conv2DBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { cpuBridgedKernel } from './cpu-fallback';

type Shape4 = [number, number, number, number];

/**
 * dW[wR, wC, d1, d2] = Σ_{b, yR, yC} x[b, yR·sh + wR − padTop, yC·sw + wC − padLeft, d1] · dy[b, yR, yC, d2]
 * over NHWC arrays. With `depthwise`, d2 runs over the channel multiplier of d1 only (filter [h, w, in, multiplier]).
 */
export function filterGradient(x: Float32Array, dy: Float32Array, info: backend_util.Conv2DInfo, depthwise: boolean): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const multiplier = depthwise ? outChannels / inChannels : outChannels;
  const dW = new Float64Array(filterHeight * filterWidth * inChannels * multiplier);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyBase = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xBase = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wBase = (wR * filterWidth + wC) * inChannels * multiplier;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const value = x[xBase + d1];
              const row = wBase + d1 * multiplier;
              const dyRow = dyBase + (depthwise ? d1 * multiplier : 0);
              for (let m = 0; m < multiplier; m++) dW[row + m] += value * dy[dyRow + m];
            }
          }
        }
      }
    }
  }
  return Float32Array.from(dW);
}

function filterGradientKernel(kernelName: string, depthwise: boolean): KernelConfig {
  const fallback = () => {
    const cpuKernel = getKernel(kernelName, 'cpu');
    if (!cpuKernel) throw new Error(`kernel ${kernelName} is registered neither for wasm nor for cpu`);
    return cpuBridgedKernel(cpuKernel, 'wasm');
  };
  const kernelFunc: KernelFunc = (args) => {
    const backend = args.backend as KernelBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs & DepthwiseConv2dNativeBackpropFilterAttrs;
    const dataFormat = depthwise ? 'channelsLast' : backend_util.convertConv2DDataFormat(attrs.dataFormat);
    const dilations = depthwise ? attrs.dilations : 1;
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      attrs.filterShape,
      attrs.strides,
      dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      depthwise,
      dataFormat,
    );
    if (dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1 || x.dtype !== 'float32') {
      return fallback().kernelFunc(args);
    }
    const values = filterGradient(backend.readSync(x.dataId) as Float32Array, backend.readSync(dy.dataId) as Float32Array, info, depthwise);
    return { dataId: backend.write(values, attrs.filterShape, 'float32'), shape: attrs.filterShape, dtype: 'float32' };
  };
  return { kernelName, backendName: 'wasm', kernelFunc };
}

export const conv2DBackpropFilterConfig = filterGradientKernel(Conv2DBackpropFilter, false);
export const depthwiseBackpropFilterConfig = filterGradientKernel(DepthwiseConv2dNativeBackpropFilter, true);
