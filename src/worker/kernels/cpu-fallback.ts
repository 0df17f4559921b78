/**
 * Kernels the wasm backend lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropInput, … —
 * gradients of real models such as MobileNetV2 need them), run by the cpu backend: the inputs are
 * copied to the cpu backend, its kernel computes, the outputs are copied back. Same numbers as the
 * cpu backend, so every model whose forward pass runs on wasm also gets its gradient there.
 */
import { findBackend, getKernel, getKernelsForBackend, registerKernel } from '@tensorflow/tfjs-core';
import type { DataId, KernelBackend, KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/** A kernel for `backendName` that runs `cpuKernel` on copies of its inputs. */
export function cpuBridgedKernel(cpuKernel: KernelConfig, backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend: target, attrs }) => {
    const backend = target as KernelBackend;
    const cpu = findBackend('cpu');
    if (!cpu) throw new Error(`kernel ${cpuKernel.kernelName}: the cpu backend it falls back to is not available`);
    const copies: DataId[] = [];
    const cpuInputs: NamedTensorInfoMap = {};
    try {
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        const dataId = cpu.write(backend.readSync(info.dataId), info.shape, info.dtype);
        copies.push(dataId);
        cpuInputs[name] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const result = cpuKernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs });
      const outputs = Array.isArray(result) ? result : [result];
      const moved = outputs.map((out): TensorInfo => {
        const values = cpu.readSync(out.dataId);
        return { dataId: backend.write(values, out.shape, out.dtype), shape: out.shape, dtype: out.dtype };
      });
      for (const out of outputs) cpu.disposeData(out.dataId);
      return Array.isArray(result) ? moved : moved[0];
    } finally {
      for (const dataId of copies) cpu.disposeData(dataId);
    }
  };
  return { kernelName: cpuKernel.kernelName, backendName, kernelFunc };
}

/** Registers a cpu-bridged kernel for every kernel the cpu backend has and `backendName` lacks. */
export function registerCpuFallbackKernels(backendName: string): string[] {
  const added: string[] = [];
  for (const kernel of getKernelsForBackend('cpu')) {
    if (getKernel(kernel.kernelName, backendName)) continue;
    registerKernel(cpuBridgedKernel(kernel, backendName));
    added.push(kernel.kernelName);
  }
  return added;
}
