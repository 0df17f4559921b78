/**
 * Identity for the wasm backend that shares its input's data (reference-counted), as the cpu and
 * webgl backends do, instead of copying it. TF.js saves every tensor a gradient needs through
 * Identity; with a copy, each gradient sees the model's filters under new data ids, so the wasm
 * convolution cannot reuse its prepared (weight-packed) XNNPACK operators and our
 * Conv2DBackpropInput cannot reuse its flipped filters. Sharing is safe because no kernel writes
 * into its inputs; the data is freed when its last holder is disposed.
 */
import { Identity } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

const kernelFunc: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

export const sharedIdentityConfig: KernelConfig = { kernelName: Identity, backendName: 'wasm', kernelFunc };
