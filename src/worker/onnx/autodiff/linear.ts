/** Backward rules of the linear ops: MatMul, Gemm, Conv (any groups: depthwise included), and batch normalisation at inference. */
import { floatAttribute, intAttribute, intsAttribute, type Node } from '../ir';
import type { Shape } from '../fold';
import type { Emitter } from './emitter';
import { refuse, unbroadcast, type Rule } from './rule';

const lastTwoSwapped = (rank: number): number[] => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

export const linearRules: Record<string, Rule> = {
  MatMul: (e, node, [g], active) => {
    if (g === null) return [null, null];
    const [a, b] = node.inputs;
    const out = e.shapeOf(node.outputs[0]);
    const transpose = (value: string) => e.node('Transpose', [value], { perm: lastTwoSwapped(e.shapeOf(value).length) });
    const matmulShape = (left: Shape, right: Shape): Shape => [...out.slice(0, -2), left[left.length - 2], right[right.length - 1]];
    const aShape = e.shapeOf(a);
    const bShape = e.shapeOf(b);
    const ga = active[0] ? unbroadcast(e, e.node('MatMul', [g, transpose(b)]), matmulShape(out, [...bShape.slice(0, -2), bShape[bShape.length - 1], bShape[bShape.length - 2]]), aShape) : null;
    const gb = active[1] ? unbroadcast(e, e.node('MatMul', [transpose(a), g]), matmulShape([...aShape.slice(0, -2), aShape[aShape.length - 1], aShape[aShape.length - 2]], out), bShape) : null;
    return [ga, gb];
  },
  Gemm: (e, node, [g], active) => {
    if (g === null) return node.inputs.map(() => null);
    const [a, b, c] = node.inputs;
    const alpha = floatAttribute(node, 'alpha', 1);
    const beta = floatAttribute(node, 'beta', 1);
    const transA = intAttribute(node, 'transA', 0);
    const transB = intAttribute(node, 'transB', 0);
    // Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A and B' = transB ? Bᵀ : B.
    const ga = !active[0]
      ? null
      : transA
        ? e.node('Gemm', [b, g], { alpha: { float: alpha }, transA: transB, transB: 1 })
        : e.node('Gemm', [g, b], { alpha: { float: alpha }, transA: 0, transB: transB ? 0 : 1 });
    const gb = !active[1]
      ? null
      : transB
        ? e.node('Gemm', [g, a], { alpha: { float: alpha }, transA: 1, transB: transA })
        : e.node('Gemm', [a, g], { alpha: { float: alpha }, transA: transA ? 0 : 1, transB: 0 });
    const gc = c && active[2] ? unbroadcast(e, e.mul(g, e.scalar(beta)), e.shapeOf(node.outputs[0]), e.shapeOf(c)) : null;
    return c === undefined ? [ga, gb] : [ga, gb, gc];
  },
  Conv: (e, node, [g], active) => {
    if (active[1] || active[2]) refuse(node, 'its weights depend on the input');
    if (g === null) return node.inputs.map(() => null);
    const [input, weight] = node.inputs;
    const kernel = e.shapeOf(weight).slice(2) as number[];
    const group = intAttribute(node, 'group', 1);
    const inputShape = e.shapeOf(input);
    const gradient =
      unitStrideAdjoint(e, node, g, weight, kernel, group, inputShape) ??
      stridedDepthwiseAdjoint(e, node, g, weight, kernel, group, inputShape) ??
      transposedWindow(e, node, g, weight, kernel, group, inputShape);
    return node.inputs.map((_, i) => (i === 0 ? gradient : null));
  },
  // Inference batch normalisation is y = x·s + t per channel, s = scale/√(var + ε).
  BatchNormalization: (e, node, [g], active) => {
    if (active.slice(1).some(Boolean)) refuse(node, 'its statistics depend on the input');
    if (g === null) return node.inputs.map(() => null);
    const [input, scale, , , variance] = node.inputs;
    const scaleValues = e.graph.initializers.get(scale);
    const varianceValues = e.graph.initializers.get(variance);
    if (scaleValues?.kind !== 'float' || varianceValues?.kind !== 'float') refuse(node, 'its scale and variance are not constants');
    const epsilon = floatAttribute(node, 'epsilon', 1e-5);
    const factor = scaleValues.values.map((s, i) => s / Math.sqrt(varianceValues.values[i] + epsilon));
    const rank = e.shapeOf(input).length;
    const perChannel = e.floats([factor.length, ...Array.from({ length: rank - 2 }, () => 1)], factor);
    return node.inputs.map((_, i) => (i === 0 ? e.mul(g, perChannel) : null));
  },
};

/**
 * The adjoint of a stride-1 convolution as a convolution: the kernel flipped in space with its
 * input and output channels swapped (per group), padded by (k−1)·d − pad on each side. ONNX
 * Runtime's Conv kernels are far faster than its ConvTranspose (col2im): 7.5 of 13.8 ms of a
 * fashion-vgg gradient was ConvTranspose. Null where it does not apply (a stride above 1, a pad
 * beyond the dilated kernel, weights that are not a constant).
 */
function unitStrideAdjoint(e: Emitter, node: Node, g: string, weight: string, kernel: readonly number[], group: number, inputShape: Shape): string | null {
  const { strides, pads, dilations } = geometry(node, kernel.length);
  if (strides.some((s) => s !== 1)) return null;
  const begin = adjointPads(kernel, dilations, pads.slice(0, kernel.length));
  const end = adjointPads(kernel, dilations, pads.slice(kernel.length));
  return flippedConvolution(e, g, weight, kernel, dilations, group, begin, end, inputShape);
}

/**
 * The adjoint of a strided depthwise convolution: the cotangent spread out with s − 1 zeros
 * between neighbours (a 1×1 depthwise ConvTranspose, which only copies), then the stride-1
 * adjoint over it. ONNX Runtime's grouped ConvTranspose runs one small col2im per channel:
 * 2.2 ms for MobileNetV2's 96-channel 112×112 layer, against 0.6 ms this way. Dense
 * convolutions keep ConvTranspose, whose GEMM skips the zeros this would multiply.
 */
function stridedDepthwiseAdjoint(e: Emitter, node: Node, g: string, weight: string, kernel: readonly number[], group: number, inputShape: Shape): string | null {
  const w = e.graph.initializers.get(weight);
  if (w?.kind !== 'float' || w.dims[1] !== 1 || group === 1) return null;
  const rank = kernel.length;
  const { strides, pads, dilations } = geometry(node, rank);
  const outputShape = e.shapeOf(node.outputs[0]);
  const spread = (outputShape.slice(2) as number[]).map((o, i) => strides[i] * (o - 1) + 1);
  const begin = adjointPads(kernel, dilations, pads.slice(0, rank));
  const end = (inputShape.slice(2) as number[]).map((size, i) => size - spread[i] + pads[i]);
  if ([...begin, ...end].some((p) => p < 0)) return null;
  const channels = w.dims[0];
  const ones = e.floats([channels, 1, ...kernel.map(() => 1)], new Float32Array(channels).fill(1));
  const spreadOut = e.shaped('ConvTranspose', [g, ones], [outputShape[0], outputShape[1], ...spread], { kernel_shape: kernel.map(() => 1), strides, group: channels });
  return flippedConvolution(e, spreadOut, weight, kernel, dilations, group, begin, end, inputShape);
}

/** The stride-1 adjoint's pads on one side: (k − 1)·d less the forward's pad on that side. */
function adjointPads(kernel: readonly number[], dilations: readonly number[], forwardPads: readonly number[]): number[] {
  return kernel.map((k, i) => (k - 1) * dilations[i] - forwardPads[i]);
}

function geometry(node: Node, rank: number): { strides: number[]; pads: number[]; dilations: number[] } {
  return {
    strides: intsAttribute(node, 'strides') ?? new Array<number>(rank).fill(1),
    pads: intsAttribute(node, 'pads') ?? new Array<number>(2 * rank).fill(0),
    dilations: intsAttribute(node, 'dilations') ?? new Array<number>(rank).fill(1),
  };
}

/** g convolved at stride 1 with `weight` flipped in space, channels swapped per group, padded by begin/end: null for weights that are not a constant or negative pads. */
function flippedConvolution(
  e: Emitter,
  g: string,
  weight: string,
  kernel: readonly number[],
  dilations: readonly number[],
  group: number,
  begin: readonly number[],
  end: readonly number[],
  inputShape: Shape,
): string | null {
  const w = e.graph.initializers.get(weight);
  if (w?.kind !== 'float' || [...begin, ...end].some((p) => p < 0)) return null;
  const [outChannels, inPerGroup] = w.dims;
  const outPerGroup = outChannels / group;
  const area = kernel.reduce((a, b) => a * b, 1);
  // W'[g·inPerGroup + c][o][k] = W[g·outPerGroup + o][c][area − 1 − k]: shape [inChannels, outPerGroup, ...kernel].
  const flipped = new Float32Array(w.values.length);
  for (let gi = 0; gi < group; gi++) {
    for (let o = 0; o < outPerGroup; o++) {
      for (let c = 0; c < inPerGroup; c++) {
        const from = ((gi * outPerGroup + o) * inPerGroup + c) * area;
        const to = ((gi * inPerGroup + c) * outPerGroup + o) * area;
        for (let k = 0; k < area; k++) flipped[to + k] = w.values[from + area - 1 - k];
      }
    }
  }
  const adjointWeight = e.floats([inPerGroup * group, outPerGroup, ...kernel], flipped);
  return e.shaped('Conv', [g, adjointWeight], inputShape, { kernel_shape: kernel, dilations: [...dilations], group, pads: [...begin, ...end] });
}

/**
 * The adjoint of a strided, padded, dilated window op over `inputShape` (Conv, and AveragePool
 * with a ones kernel): a ConvTranspose with the same geometry. ConvTranspose's output is cropped
 * by its pads; where the forward window never reached the last rows (floor division), the crop
 * would go negative, so those rows are padded back as zeros instead.
 */
export function transposedWindow(e: Emitter, node: Node, g: string, weight: string, kernel: readonly number[], group: number, inputShape: Shape): string {
  const spatial = inputShape.slice(2) as number[];
  const rank = spatial.length;
  const outShape = e.shapeOf(node.outputs[0]).slice(2) as number[];
  const pads = intsAttribute(node, 'pads') ?? new Array<number>(2 * rank).fill(0);
  const strides = intsAttribute(node, 'strides') ?? new Array<number>(rank).fill(1);
  const dilations = intsAttribute(node, 'dilations') ?? new Array<number>(rank).fill(1);
  const endPads: number[] = [];
  const extra: number[] = [];
  spatial.forEach((size, i) => {
    const full = strides[i] * (outShape[i] - 1) + (kernel[i] - 1) * dilations[i] + 1;
    const crop = full - pads[i] - size;
    endPads.push(Math.max(crop, 0));
    extra.push(Math.max(-crop, 0));
  });
  let gradient = e.node('ConvTranspose', [g, weight], {
    kernel_shape: kernel,
    strides,
    dilations,
    group,
    pads: [...pads.slice(0, rank), ...endPads],
  });
  if (extra.some((v) => v > 0)) {
    gradient = e.node('Pad', [gradient, e.ints([0, 0, ...spatial.map(() => 0), 0, 0, ...extra])], { mode: 'constant' });
  }
  e.shapes.set(gradient, inputShape);
  return gradient;
}
