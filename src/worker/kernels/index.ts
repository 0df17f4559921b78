/**
 * What the worker changes in the wasm backend so that input gradients equal the cpu backend's
 * (and TensorFlow's and PyTorch's) and exist for every model whose forward pass runs.
 */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { registerCpuFallbackKernels } from './cpu-fallback';
import { conv2DBackpropFilterConfig, depthwiseBackpropFilterConfig } from './filter-gradients';
import { maxPoolGradFirstMaxConfig } from './max-pool-grad';
import { sharedIdentityConfig } from './shared-identity';

const backendName = 'wasm';

/** Puts `config` in place of the backend's own kernel of that name (idempotent). */
function replaceKernel(config: KernelConfig): () => void {
  return () => {
    if (getKernel(config.kernelName, backendName) === config) return;
    if (getKernel(config.kernelName, backendName)) unregisterKernel(config.kernelName, backendName);
    registerKernel(config);
  };
}

/**
 * Each entry installs one kernel of our own (idempotently), in order. To add one, append its
 * installer here.
 */
const wasmKernelInstallers: Array<() => void> = [
  replaceKernel(maxPoolGradFirstMaxConfig),
  replaceKernel(conv2DBackpropFilterConfig),
  replaceKernel(depthwiseBackpropFilterConfig),
  replaceKernel(conv2DBackpropInputConfig),
  replaceKernel(sharedIdentityConfig),
];

/**
 * Installs our wasm kernels, then bridges every kernel wasm still lacks to the cpu backend's.
 * Call after importing @tensorflow/tfjs-backend-wasm (and the cpu backend); idempotent.
 */
export function registerWasmGradientKernels(): void {
  if (!getKernel('MaxPool', backendName)) {
    throw new Error('the wasm backend is not loaded: import @tensorflow/tfjs-backend-wasm first');
  }
  for (const install of wasmKernelInstallers) install();
  registerCpuFallbackKernels(backendName);
}
