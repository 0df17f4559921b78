// Conv2DBackpropFilter for the wasm backend, which TF.js 4.22 lacks (training a conv net there
// throws "kernel not registered"). train-demo trains with it (the worker's own filter gradient, a
// plain loop meant for single images, is too slow for batches of 128). It runs as one forward convolution on
// XNNPACK, with the batch axis as the reduction (channel) axis:
//   dW[kh, kw, ci, co] = Σ_{b,y,x} xPadded[b, y·sh + kh, x·sw + kw, ci] · dy[b, y, x, co]
//                      = conv2d(x as [ci, H, W, b], dy as [oh, ow, b, co], dilation = stride)[ci, kh, kw, co]
import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  getKernel,
  Slice,
  Transpose,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { disposeIntermediates, runRegisteredKernel } from '../src/worker/kernels/conv2d-backprop-input';

function filterGradient(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, attrs: Conv2DBackpropFilterAttrs): TensorInfo {
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== 'channelsLast') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  const { inHeight, inWidth, inChannels, outChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  // Pad after so that exactly filterSize positions fit; rows of x no output reads are cut off below.
  const padBottom = Math.max(0, filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top);
  const padRight = Math.max(0, filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left);
  const scratch: TensorInfo[] = [];
  try {
    const xByChannel = runRegisteredKernel(Transpose, backend, { x }, { perm: [3, 1, 2, 0] });
    scratch.push(xByChannel);
    const dyAsFilter = runRegisteredKernel(Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] });
    scratch.push(dyAsFilter);
    const correlated = runRegisteredKernel(Conv2D, backend, { x: xByChannel, filter: dyAsFilter }, {
      strides: [1, 1],
      pad: [[0, 0], [padInfo.top, padBottom], [padInfo.left, padRight], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
      dimRoundingMode: undefined as unknown as string,
    });
    scratch.push(correlated);
    let taps = correlated;
    if (correlated.shape[1] !== filterHeight || correlated.shape[2] !== filterWidth) {
      taps = runRegisteredKernel(Slice, backend, { x: correlated }, { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] });
      scratch.push(taps);
    }
    return runRegisteredKernel(Transpose, backend, { x: taps }, { perm: [1, 2, 0, 3] });
  } finally {
    disposeIntermediates(backend, scratch);
  }
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  return filterGradient(backend as KernelBackend, x, dy, attrs as unknown as Conv2DBackpropFilterAttrs);
};

export const conv2DBackpropFilterAsConvConfig: KernelConfig = { kernelName: Conv2DBackpropFilter, backendName: 'wasm', kernelFunc };

/** Puts `config` in place of whatever the wasm backend has under that kernel name. */
export function replaceWasmKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, 'wasm') === config) return;
  if (getKernel(config.kernelName, 'wasm')) unregisterKernel(config.kernelName, 'wasm');
  registerKernel(config);
}
