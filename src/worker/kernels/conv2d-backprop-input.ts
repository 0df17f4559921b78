/**
 * A fast Conv2DBackpropInput for the wasm backend. TF.js 4.22's own wasm kernel is a naive loop
 * (with it an input gradient of the paper's networks costs 12–22× a forward pass; docs/benchmarks.md);
 * this one computes the same thing as a forward convolution, which runs on XNNPACK:
 *
 *   dx = conv2d(dilate(dy, stride), flip_hw(transpose_io(filter)), stride 1, padding below)
 *
 * For a forward y[o] = Σ_k x[o·s + k − padTop] · w[k], the input gradient is
 * dx[i] = Σ_k dyDilated[i + padTop − k] · w[k]: a correlation with the spatially flipped filter over
 * dy dilated by the stride, padded by (filterSize − 1 − padTop) before and
 * (inSize − 1 + padTop − (dilatedSize − 1)) after. Where that padding would be negative (explicit
 * paddings wider than the filter) or the data is NCHW, the cpu backend's kernel runs instead.
 */
import {
  backend_util,
  Conv2D,
  Conv2DBackpropInput,
  getKernel,
  PadV2,
  Reshape,
  Reverse,
  Slice,
  Transpose,
} from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, DataId, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { cpuBridgedKernel } from './cpu-fallback';

const BACKEND = 'wasm';

type KernelInputs = Record<string, TensorInfo>;

/** Runs another kernel registered for the same backend; its output must be disposed by the caller. */
export function runRegisteredKernel(
  name: string,
  backend: KernelBackend,
  inputs: KernelInputs,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = getKernel(name, BACKEND);
  if (!kernel) throw new Error(`kernel ${name} is not registered for the ${BACKEND} backend`);
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`kernel ${name} returned several outputs`);
  return out;
}

/** Disposes intermediate results made by runRegisteredKernel. */
export function disposeIntermediates(backend: KernelBackend, infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export interface BackpropPlan {
  strideHeight: number;
  strideWidth: number;
  /** Padding of the dilated dy, [before, after] per spatial axis. */
  padHeight: [number, number];
  padWidth: [number, number];
}

/**
 * How dx is computed as a forward convolution; null when it cannot be (negative padding).
 * Pure, so the padding arithmetic is testable on its own.
 */
export function planBackpropAsForward(convInfo: backend_util.Conv2DInfo): BackpropPlan | null {
  const { filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, padInfo } = convInfo;
  if (convInfo.dilationHeight !== 1 || convInfo.dilationWidth !== 1) return null;
  const dilatedHeight = (outHeight - 1) * strideHeight + 1;
  const dilatedWidth = (outWidth - 1) * strideWidth + 1;
  const padHeight: [number, number] = [filterHeight - 1 - padInfo.top, inHeight - dilatedHeight + padInfo.top];
  const padWidth: [number, number] = [filterWidth - 1 - padInfo.left, inWidth - dilatedWidth + padInfo.left];
  if ([...padHeight, ...padWidth].some((p) => p < 0)) return null;
  return { strideHeight, strideWidth, padHeight, padWidth };
}

/** dy [b, h, w, c] with (stride − 1) zeros between neighbours: [b, (h−1)·sh+1, (w−1)·sw+1, c]. */
function dilate(backend: KernelBackend, dy: TensorInfo, strideHeight: number, strideWidth: number, scratch: TensorInfo[]): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [batch, height, width, channels] = dy.shape;
  const spread = runRegisteredKernel(Reshape, backend, { x: dy }, { shape: [batch, height, 1, width, 1, channels] });
  scratch.push(spread);
  const padded = runRegisteredKernel(
    PadV2,
    backend,
    { x: spread },
    { paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]], constantValue: 0 },
  );
  scratch.push(padded);
  const flat = runRegisteredKernel(Reshape, backend, { x: padded }, { shape: [batch, height * strideHeight, width * strideWidth, channels] });
  scratch.push(flat);
  const dilated = runRegisteredKernel(
    Slice,
    backend,
    { x: flat },
    { begin: [0, 0, 0, 0], size: [batch, (height - 1) * strideHeight + 1, (width - 1) * strideWidth + 1, channels] },
  );
  scratch.push(dilated);
  return dilated;
}

/**
 * Flipped, in/out-swapped filters, kept per source filter: a model's weights stay the same from
 * gradient to gradient, and reusing the same filter tensor also lets the backend reuse its
 * convolution operator (XNNPACK packs the weights once per filter). An entry is freed once its
 * source filter is disposed (checked on every insertion) or when the cache outgrows its byte budget.
 */
interface FlippedFilter {
  backend: KernelBackend;
  filter: TensorInfo;
  bytes: number;
}

const flippedFilters = new Map<DataId, FlippedFilter>();
let flippedFilterBytes = 0;
export const flippedFilterCacheBytes = 64 * 1024 * 1024;

function evictFlippedFilter(source: DataId): void {
  const entry = flippedFilters.get(source);
  if (!entry) return;
  flippedFilters.delete(source);
  flippedFilterBytes -= entry.bytes;
  entry.backend.disposeData(entry.filter.dataId);
}

/** Frees every cached flipped filter (their source filters may still be alive). */
export function clearFlippedFilterCache(): void {
  for (const source of [...flippedFilters.keys()]) evictFlippedFilter(source);
}

/** How many flipped filters are cached (for tests). */
export function flippedFilterCount(): number {
  return flippedFilters.size;
}

let filtersFlipped = 0;

/** How many times a filter was flipped since the process started: flat while the cache serves. */
export function filterFlipCount(): number {
  return filtersFlipped;
}

function flipFilter(backend: KernelBackend, filter: TensorInfo): TensorInfo {
  filtersFlipped++;
  const flipped = runRegisteredKernel(Reverse, backend, { x: filter }, { dims: [0, 1] });
  try {
    return runRegisteredKernel(Transpose, backend, { x: flipped }, { perm: [0, 1, 3, 2] });
  } finally {
    disposeIntermediates(backend, [flipped]);
  }
}

/** The flipped filter of `filter` and whether the caller must dispose it (false: it is cached). */
function flippedFilterOf(backend: KernelBackend, filter: TensorInfo): { filter: TensorInfo; owned: boolean } {
  const hit = flippedFilters.get(filter.dataId);
  if (hit && hit.backend === backend) return { filter: hit.filter, owned: false };
  for (const [source, entry] of flippedFilters) if (entry.backend.refCount(source) === 0) evictFlippedFilter(source);
  const flipped = flipFilter(backend, filter);
  const bytes = 4 * filter.shape.reduce((a, b) => a * b, 1);
  if (bytes > flippedFilterCacheBytes) return { filter: flipped, owned: true };
  for (const source of flippedFilters.keys()) {
    if (flippedFilterBytes + bytes <= flippedFilterCacheBytes) break;
    evictFlippedFilter(source);
  }
  flippedFilters.set(filter.dataId, { backend, filter: flipped, bytes });
  flippedFilterBytes += bytes;
  return { filter: flipped, owned: false };
}

function backpropAsForward(backend: KernelBackend, dy: TensorInfo, filter: TensorInfo, plan: BackpropPlan): TensorInfo {
  const scratch: TensorInfo[] = [];
  try {
    const flipped = flippedFilterOf(backend, filter);
    if (flipped.owned) scratch.push(flipped.filter);
    const dilated = dilate(backend, dy, plan.strideHeight, plan.strideWidth, scratch);
    return runRegisteredKernel(
      Conv2D,
      backend,
      { x: dilated, filter: flipped.filter },
      {
        strides: [1, 1],
        pad: [[0, 0], plan.padHeight, plan.padWidth, [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: undefined as unknown as string,
      },
    );
  } finally {
    disposeIntermediates(backend, scratch);
  }
}

/** The cpu backend's kernel, run on copies of the inputs: where the forward-convolution form does not apply. */
function cpuKernel(): KernelConfig {
  const kernel = getKernel(Conv2DBackpropInput, 'cpu');
  if (!kernel) throw new Error('Conv2DBackpropInput: the cpu backend it falls back to is not loaded');
  return cpuBridgedKernel(kernel, BACKEND);
}

const kernelFunc: KernelFunc = (args) => {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const convInfo = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  const plan = dataFormat === 'channelsLast' && dy.dtype === 'float32' ? planBackpropAsForward(convInfo) : null;
  if (!plan) return cpuKernel().kernelFunc(args);
  return backpropAsForward(args.backend as KernelBackend, dy, filter, plan);
};

/** Replaces the wasm backend's own Conv2DBackpropInput (see src/worker/kernels/index.ts). */
export const conv2DBackpropInputConfig: KernelConfig = { kernelName: Conv2DBackpropInput, backendName: BACKEND, kernelFunc };
