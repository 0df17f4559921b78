/** Backward rules of the ops that only move values: reshapes, transposes, concatenation, slicing, padding, gathers along an axis. */
import { intAttribute, intsAttribute, stringAttribute, type Node } from '../ir';
import { normaliseAxes, type Shape } from '../fold';
import type { Emitter } from './emitter';
import { refuse, unbroadcast, type Rule } from './rule';

/** The cotangent reshaped back to the input's shape. */
const reshapeBack: Rule = (e, node, [g]) => [g === null ? null : e.reshape(g, e.shapeOf(node.inputs[0])), ...node.inputs.slice(1).map(() => null)];

function constantInts(e: Emitter, node: Node, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const value = e.graph.initializers.get(name);
  if (value?.kind !== 'int') refuse(node, `"${name}" is not a constant`);
  return value.values;
}

export const shapeRules: Record<string, Rule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: (e, node, [g]) => {
    if (g === null) return [null];
    const rank = e.shapeOf(node.inputs[0]).length;
    const perm = intsAttribute(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    return [e.node('Transpose', [g], { perm: perm.map((_, i) => perm.indexOf(i)) })];
  },
  Expand: (e, node, [g], active) => [g === null || !active[0] ? null : unbroadcast(e, g, e.shapeOf(node.outputs[0]), e.shapeOf(node.inputs[0])), null],
  Concat: (e, node, [g], active) => {
    if (g === null) return node.inputs.map(() => null);
    const rank = e.shapeOf(node.outputs[0]).length;
    const axis = normaliseAxes([intAttribute(node, 'axis', 0)], rank)[0];
    let start = 0;
    return node.inputs.map((input, i) => {
      const size = e.shapeOf(input)[axis] as number;
      const from = start;
      start += size;
      if (!active[i]) return null;
      return e.node('Slice', [g, e.ints([from]), e.ints([from + size]), e.ints([axis])]);
    });
  },
  Split: (e, node, grads) => {
    const rank = e.shapeOf(node.inputs[0]).length;
    const axis = normaliseAxes([intAttribute(node, 'axis', 0)], rank)[0];
    if (grads.every((g) => g === null)) return [null];
    const parts = node.outputs.map((output, i) => grads[i] ?? e.zerosLike(output));
    return [e.node('Concat', parts, { axis })];
  },
  Slice: (e, node, [g]) => {
    if (g === null) return node.inputs.map(() => null);
    const shape = e.shapeOf(node.inputs[0]);
    const starts = constantInts(e, node, node.inputs[1]) ?? [];
    const ends = constantInts(e, node, node.inputs[2]) ?? [];
    const axes = normaliseAxes(constantInts(e, node, node.inputs[3]) ?? starts.map((_, i) => i), shape.length);
    const steps = constantInts(e, node, node.inputs[4]) ?? starts.map(() => 1);
    if (steps.some((s) => s !== 1)) refuse(node, 'strided slices are not supported');
    const before = new Array<number>(shape.length).fill(0);
    const after = new Array<number>(shape.length).fill(0);
    axes.forEach((axis, i) => {
      const size = shape[axis] as number;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
      const from = clamp(starts[i]);
      const to = Math.max(from, clamp(ends[i]));
      before[axis] = from;
      after[axis] = size - to;
    });
    return [e.node('Pad', [g, e.ints([...before, ...after])], { mode: 'constant' }), ...node.inputs.slice(1).map(() => null)];
  },
  Pad: (e, node, [g]) => {
    if (g === null) return node.inputs.map(() => null);
    if (stringAttribute(node, 'mode', 'constant') !== 'constant') refuse(node, `${stringAttribute(node, 'mode', 'constant')} padding is not supported`);
    const shape = e.shapeOf(node.inputs[0]);
    const pads = constantInts(e, node, node.inputs[1]) ?? [];
    const axes = node.inputs[3] ? normaliseAxes(constantInts(e, node, node.inputs[3]) ?? [], shape.length) : shape.map((_, i) => i);
    if (pads.some((p) => p < 0)) refuse(node, 'negative (cropping) pads are not supported');
    // Exporters pad every axis, the batch and channels with zeros: only the padded axes are sliced back.
    const padded = axes.flatMap((axis, i) => (pads[i] === 0 && pads[i + axes.length] === 0 ? [] : [{ axis, before: pads[i], size: shape[axis] }]));
    if (padded.length === 0) return [g, ...node.inputs.slice(1).map(() => null)];
    const starts = padded.map(({ before }) => before);
    const ends = padded.map(({ before, size }) => before + (size === 'N' ? refuse(node, 'it pads the batch axis') : size));
    return [e.node('Slice', [g, e.ints(starts), e.ints(ends), e.ints(padded.map(({ axis }) => axis))]), ...node.inputs.slice(1).map(() => null)];
  },
  // A constant permutation along an axis (a channel reorder such as RGB → BGR) is undone by the inverse permutation.
  Gather: (e, node, [g], active) => {
    if (active[1]) refuse(node, 'its indices depend on the input');
    if (g === null) return [null, null];
    const shape = e.shapeOf(node.inputs[0]);
    const axis = normaliseAxes([intAttribute(node, 'axis', 0)], shape.length)[0];
    const indices = constantInts(e, node, node.inputs[1]) ?? [];
    const size = shape[axis];
    const normal = indices.map((i) => (i < 0 ? i + (size as number) : i));
    const isPermutation = normal.length === size && new Set(normal).size === normal.length;
    if (isPermutation && e.graph.initializers.get(node.inputs[1])?.dims.length === 1) {
      const inverse = normal.map((_, i) => normal.indexOf(i));
      return [e.node('Gather', [g, e.ints(inverse)], { axis }), null];
    }
    if (size === 'N') refuse(node, 'it gathers along the batch axis');
    return [gatherBack(e, g, shape, axis, normal, size), null];
  },
};

/**
 * Any constant indices (a token picked by x[:, 0], repeats): the cotangent, its index axes
 * flattened to m and moved last, times the one-hot matrix [m, size] — a scatter-add as a MatMul.
 */
function gatherBack(e: Emitter, g: string, shape: Shape, axis: number, indices: readonly number[], size: number): string {
  const m = indices.length;
  const gathered: Shape = [...shape.slice(0, axis), m, ...shape.slice(axis + 1)];
  const flat = e.reshape(g, gathered);
  const rank = shape.length;
  const perm = [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis), axis];
  const identity = axis === rank - 1;
  const moved = identity ? flat : e.node('Transpose', [flat], { perm });
  const oneHot = new Float32Array(m * size);
  indices.forEach((index, j) => (oneHot[j * size + index] = 1));
  const scattered = e.node('MatMul', [moved, e.floats([m, size], oneHot)]);
  if (identity) return scattered;
  return e.node('Transpose', [scattered], { perm: perm.map((_, i) => perm.indexOf(i)) });
}
