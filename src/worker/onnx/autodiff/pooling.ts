/**
 * Backward rules of pooling and reductions. Maximum ties go to the first maximum in row-major
 * order (TensorFlow's and PyTorch's MaxPool rule): MaxPool's Indices output and ArgMax with
 * select_last_index = 0 give it directly.
 */
import { intAttribute, intsAttribute, sizeOf, type Node } from '../ir';
import { normaliseAxes, type Dim, type Shape } from '../fold';
import type { Emitter } from './emitter';
import { refuse, type Rule } from './rule';
import { transposedWindow } from './linear';

export const poolingRules: Record<string, Rule> = {
  MaxPool: (e, node, [g]) => {
    if (g === null) return [null];
    if (intAttribute(node, 'storage_order', 0) !== 0) refuse(node, 'column-major indices are not supported');
    const input = node.inputs[0];
    if (!node.outputs[1]) node.outputs[1] = e.fresh('MaxPool_indices');
    const flat = e.reshape(e.zerosLike(input), [flatSize(e.shapeOf(input))]);
    const indices = e.node('Reshape', [node.outputs[1], e.ints([-1])]);
    const values = e.node('Reshape', [g, e.ints([-1])]);
    const scattered = e.node('ScatterElements', [flat, indices, values], { axis: 0, reduction: 'add' });
    return [e.reshape(scattered, e.shapeOf(input))];
  },
  AveragePool: (e, node, [g]) => {
    if (g === null) return [null];
    const input = node.inputs[0];
    const shape = e.shapeOf(input);
    if ((intsAttribute(node, 'dilations') ?? []).some((d) => d !== 1)) refuse(node, 'dilated average pooling is not supported');
    const kernel = intsAttribute(node, 'kernel_shape') ?? [];
    const channels = shape[1];
    if (channels === 'N') refuse(node, 'the channel axis is the batch');
    const ones = e.floats([channels, 1, ...kernel], new Float32Array(channels * sizeOf(kernel)).fill(1));
    const weighted = e.mul(g, divisorReciprocals(e, node, shape, kernel));
    return [transposedWindow(e, node, weighted, ones, kernel, channels, shape)];
  },
  GlobalAveragePool: (e, node, [g]) => {
    if (g === null) return [null];
    const shape = e.shapeOf(node.inputs[0]);
    const area = sizeOf(shape.slice(2) as number[]);
    // A constant target with the batch as 1 (broadcast from g), so shape inference keeps the batch.
    const target = e.ints(shape.map((d) => (d === 'N' ? 1 : d)));
    return [e.mul(e.node('Expand', [g, target]), e.scalar(1 / area))];
  },
  GlobalMaxPool: (e, node, [g]) => {
    if (g === null) return [null];
    const rank = e.shapeOf(node.inputs[0]).length;
    return [firstExtremumGradient(e, node, g, Array.from({ length: rank - 2 }, (_, i) => i + 2), true, 'ArgMax')];
  },
  ReduceMax: (e, node, [g]) => [g === null ? null : firstExtremumGradient(e, node, g, reducedAxes(e, node), intAttribute(node, 'keepdims', 1) === 1, 'ArgMax')],
  ReduceMin: (e, node, [g]) => [g === null ? null : firstExtremumGradient(e, node, g, reducedAxes(e, node), intAttribute(node, 'keepdims', 1) === 1, 'ArgMin')],
  ReduceSum: (e, node, [g]) => [g === null ? null : spread(e, node, g, 1)],
  ReduceMean: (e, node, [g]) => {
    if (g === null) return [null];
    const shape = e.shapeOf(node.inputs[0]);
    const count = reducedAxes(e, node).reduce((n, axis) => n * (shape[axis] as number), 1);
    return [spread(e, node, g, 1 / count)];
  },
};

function flatSize(shape: Shape): Dim {
  return shape.includes('N') ? 'N' : sizeOf(shape as number[]);
}

function reducedAxes(e: Emitter, node: Node): number[] {
  const shape = e.shapeOf(node.inputs[0]);
  const axes = intsAttribute(node, 'axes');
  if (!axes || axes.length === 0) {
    if (intAttribute(node, 'noop_with_empty_axes', 0)) return [];
    return shape.map((_, i) => i);
  }
  const normal = normaliseAxes(axes, shape.length);
  if (normal.some((axis) => shape[axis] === 'N')) refuse(node, 'it reduces over the batch axis');
  return normal;
}

/** The reduced cotangent with the reduced axes kept as 1s. */
function keptDims(e: Emitter, node: Node, g: string, axes: readonly number[], keepdims: boolean): string {
  if (keepdims) return g;
  const shape = e.shapeOf(node.inputs[0]);
  return e.reshape(g, shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** ReduceSum/ReduceMean: the cotangent broadcast back over the reduced axes, times `factor`. */
function spread(e: Emitter, node: Node, g: string, factor: number): string {
  const input = node.inputs[0];
  const kept = keptDims(e, node, g, reducedAxes(e, node), intAttribute(node, 'keepdims', 1) === 1);
  const expanded = e.node('Expand', [kept, e.node('Shape', [input])]);
  return factor === 1 ? expanded : e.mul(expanded, e.scalar(factor));
}

/**
 * The gradient of a max (min) over `axes` routed to the first extremum in row-major order over
 * those axes: move them last, flatten them, take ArgMax (first index), scatter, move them back.
 */
function firstExtremumGradient(e: Emitter, node: Node, g: string, axes: readonly number[], keepdims: boolean, arg: 'ArgMax' | 'ArgMin'): string {
  const input = node.inputs[0];
  const shape = e.shapeOf(input);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const identity = perm.every((p, i) => p === i);
  const moved = identity ? input : e.node('Transpose', [input], { perm });
  const reducedSize = axes.reduce((n, axis) => n * (shape[axis] as number), 1);
  const rows: Shape = [...kept.map((i) => shape[i]), reducedSize];
  const flat = e.reshape(moved, rows);
  const index = e.node(arg, [flat], { axis: -1, keepdims: 1, select_last_index: 0 });
  const values = e.reshape(keptDims(e, node, g, axes, keepdims), [...kept.map((i) => shape[i]), 1]);
  const scattered = e.node('ScatterElements', [e.zerosLike(flat), index, values], { axis: -1 });
  const unflat = e.reshape(scattered, perm.map((p) => shape[p]));
  if (identity) return unflat;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return e.node('Transpose', [unflat], { perm: inverse });
}

/**
 * 1 / (cells each AveragePool window averages) per output position, as ONNX Runtime counts them:
 * padding counted when count_include_pad (the window clipped to the padded extent), otherwise
 * only the cells inside the input.
 */
function divisorReciprocals(e: Emitter, node: Node, shape: Shape, kernel: readonly number[]): string {
  const spatial = shape.slice(2) as number[];
  const rank = spatial.length;
  const outShape = e.shapeOf(node.outputs[0]).slice(2) as number[];
  const pads = intsAttribute(node, 'pads') ?? new Array<number>(2 * rank).fill(0);
  const strides = intsAttribute(node, 'strides') ?? new Array<number>(rank).fill(1);
  const includePad = intAttribute(node, 'count_include_pad', 0) === 1;
  const counts = spatial.map((size, d) =>
    Array.from({ length: outShape[d] }, (_, o) => {
      const start = o * strides[d] - pads[d];
      const end = Math.min(start + kernel[d], size + pads[d + rank]);
      return includePad ? end - start : Math.min(end, size) - Math.max(start, 0);
    }),
  );
  const total = sizeOf(outShape);
  const values = new Float32Array(total);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let count = 1;
    for (let d = rank - 1; d >= 0; d--) {
      count *= counts[d][rest % outShape[d]];
      rest = Math.floor(rest / outShape[d]);
    }
    values[flat] = 1 / count;
  }
  if (values.every((v) => v === values[0])) return e.scalar(values[0]);
  return e.floats([1, 1, ...outShape], values);
}
