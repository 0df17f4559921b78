/**
 * Static shapes and constant folding for a classifier graph at a fixed image size and a symbolic
 * batch 'N'. Exporters compute reshapes through Shape → Gather → Concat chains (PyTorch's
 * `x.view(x.size(0), -1)`); folding them to constants leaves autodiff real tensor ops only, each
 * with a known shape. On the way, opset-dependent arguments are put in one canonical form (ir.ts):
 * axes and split sizes as attributes, auto_pad as explicit pads, Softmax's axis explicit.
 */
import { axesInputFrom } from './codec';
import { describeNode, floatTensor, intAttribute, intsAttribute, sizeOf, stringAttribute, type Graph, type Node, type Tensor } from './ir';

/** A dimension: a size, or the batch. */
export type Dim = number | 'N';
export type Shape = Dim[];

/** A constant while folding: int values may hold the batch symbol (from Shape). */
type Known = { kind: 'float'; dims: number[]; values: Float32Array } | { kind: 'int'; dims: number[]; values: Dim[]; dataType: number };

/** The graph cannot be folded (an op or a use of the batch size the tool does not handle). */
export class NotFoldable extends Error {}

export interface FoldedGraph {
  graph: Graph;
  /** Every computed value's static shape. */
  shapes: Map<string, Shape>;
}

const elementwiseUnary = new Set([
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus', 'Softsign', 'Erf', 'Gelu', 'Mish',
  'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Identity', 'Dropout', 'Cast', 'Clip', 'Softmax', 'LogSoftmax', 'Floor', 'Ceil', 'Round', 'Sign',
  'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'LRN', 'ThresholdedRelu', 'Sin', 'Cos', 'Not',
]);
const elementwiseBinary = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'PRelu', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Where', 'Mod']);
const reductions = new Set(['ReduceMax', 'ReduceMin', 'ReduceMean', 'ReduceSum', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);

/**
 * Folds `graph` for one input `[N, ...imageShape]` and keeps only what `output` depends on.
 * @param fixedBatch the batch size the file declares, when it declares one: a Reshape to a
 *   constant shape starting with it is read as "keep the batch".
 */
export function foldGraph(graph: Graph, input: string, imageShape: readonly number[], output: string, fixedBatch: number | null): FoldedGraph {
  const known = new Map<string, Known>();
  const shapes = new Map<string, Shape>();
  for (const [name, tensor] of graph.initializers) known.set(name, fromTensor(tensor));
  shapes.set(input, ['N', ...imageShape]);
  const nodes: Node[] = [];
  const shapeOf = (name: string, node: Node): Shape => {
    const value = known.get(name);
    if (value) return value.dims;
    const shape = shapes.get(name);
    if (!shape) throw new NotFoldable(`${describeNode(node)} reads "${name}", which no earlier node computes`);
    return shape;
  };
  const constantInts = (name: string | undefined, node: Node, what: string): number[] | undefined => {
    if (name === undefined || name === '') return undefined;
    const value = known.get(name);
    if (!value) throw new NotFoldable(`${describeNode(node)}: its ${what} are computed at run time`);
    if (value.kind !== 'int') throw new NotFoldable(`${describeNode(node)}: its ${what} are not integers`);
    if (value.values.some((v) => v === 'N')) throw new NotFoldable(`${describeNode(node)}: its ${what} depend on the batch size`);
    return value.values as number[];
  };

  /** A constant shape that may hold the batch (an Expand target such as ViT's class token expand(n, -1, -1)). */
  const constantDims = (name: string, node: Node): Dim[] => {
    const value = known.get(name);
    if (!value) throw new NotFoldable(`${describeNode(node)}: its target shape is computed at run time`);
    if (value.kind !== 'int') throw new NotFoldable(`${describeNode(node)}: its target shape is not integers`);
    return value.values;
  };

  for (const original of graph.nodes) {
    if (original.domain !== '') throw new NotFoldable(`${describeNode(original)} is from the ${original.domain} domain, which the tool does not run`);
    const node = canonical(original, graph.opset, constantInts, (name, value) => known.set(name, value));
    if (node.op === 'Constant') {
      known.set(node.outputs[0], constantValue(node));
      continue;
    }
    const inputs = node.inputs.map((name) => (name === '' ? undefined : known.get(name)));
    if (node.inputs.length > 0 && node.inputs.every((name, i) => name === '' || inputs[i] !== undefined)) {
      const folded = evaluate(node, inputs);
      if (folded) {
        folded.forEach((value, i) => known.set(node.outputs[i], value));
        continue;
      }
    }
    if (node.op === 'Shape') {
      const shape = shapeOf(node.inputs[0], node);
      const start = intAttribute(node, 'start', 0);
      const end = intAttribute(node, 'end');
      const sliced = shape.slice(start, end);
      known.set(node.outputs[0], { kind: 'int', dims: [sliced.length], values: sliced, dataType: 7 });
      continue;
    }
    if (node.op === 'Size') {
      const shape = shapeOf(node.inputs[0], node);
      if (shape.includes('N')) throw new NotFoldable(`${describeNode(node)} depends on the batch size`);
      known.set(node.outputs[0], { kind: 'int', dims: [], values: [sizeOf(shape as number[])], dataType: 7 });
      continue;
    }
    const rewritten = withStaticArguments(node, known, fixedBatch, graph.opset, shapeOf);
    const outputShapes = inferShapes(rewritten, (name) => shapeOf(name, rewritten), constantInts, (name) => constantDims(name, rewritten));
    rewritten.outputs.forEach((name, i) => {
      if (name !== '' && outputShapes[i]) shapes.set(name, outputShapes[i]);
    });
    nodes.push(rewritten);
  }

  const live = liveNodes(nodes, output);
  const used = new Set(live.flatMap((node) => node.inputs));
  const initializers = new Map<string, Tensor>();
  const batchShapes: Node[] = [];
  for (const name of used) {
    const value = known.get(name);
    if (!value) continue;
    if (value.kind === 'int' && value.values.includes('N')) batchShapes.push(...withRunTimeBatch(name, value, input, initializers));
    else initializers.set(name, toTensor(value, name));
  }
  live.unshift(...batchShapes);
  if (!shapes.has(output)) {
    if (known.has(output)) throw new NotFoldable(`the output "${output}" does not depend on the input`);
    throw new NotFoldable(`no node computes the output "${output}"`);
  }
  // Clip, Pad and Slice are rewritten in their opset-11 form (arguments as inputs), which older opsets reject.
  const opset = Math.max(graph.opset, 11);
  return { graph: { nodes: live, initializers, inputs: graph.inputs, outputs: graph.outputs, opset }, shapes };
}

/** The nodes `output` depends on, in order. */
function liveNodes(nodes: Node[], output: string): Node[] {
  const needed = new Set([output]);
  const keep: Node[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (!node.outputs.some((name) => needed.has(name))) continue;
    keep.push(node);
    for (const input of node.inputs) if (input !== '') needed.add(input);
  }
  return keep.reverse();
}

// ---------------------------------------------------------------------------------------------
// Canonical form
// ---------------------------------------------------------------------------------------------

type ConstantInts = (name: string | undefined, node: Node, what: string) => number[] | undefined;
type Define = (name: string, value: Known) => void;

/** Moves opset-dependent arguments into canonical attributes (ir.ts). */
function canonical(node: Node, opset: number, constantInts: ConstantInts, define: Define): Node {
  const from = axesInputFrom(node.op);
  if (from !== null && opset >= from && node.inputs.length > 1 && node.inputs[1] !== '') {
    const key = node.op === 'Split' ? 'split' : 'axes';
    const values = constantInts(node.inputs[1], node, key);
    return { ...node, inputs: [node.inputs[0]], attributes: { ...node.attributes, [key]: { kind: 'ints', value: values ?? [] } } };
  }
  if (from !== null && node.inputs.length > 1) return { ...node, inputs: [node.inputs[0]] };
  // Inference drops dropout; its ratio moved from an attribute to an input at opset 12.
  if (node.op === 'Dropout') return { ...node, op: 'Identity', inputs: [node.inputs[0]], outputs: [node.outputs[0]], attributes: {} };
  if (opset < 10 && node.op === 'Slice') {
    const starts = intsAttribute(node, 'starts') ?? [];
    const ends = intsAttribute(node, 'ends') ?? [];
    const axes = intsAttribute(node, 'axes') ?? starts.map((_, i) => i);
    return { ...node, attributes: {}, inputs: [node.inputs[0], ...inlineInts(node, { starts, ends, axes }, define)] };
  }
  if (opset < 11 && node.op === 'Pad') {
    const pads = intsAttribute(node, 'pads') ?? [];
    const value = node.attributes.value?.kind === 'float' ? node.attributes.value.value : 0;
    const mode = stringAttribute(node, 'mode', 'constant');
    return { ...node, attributes: { mode: { kind: 'string', value: mode } }, inputs: [node.inputs[0], ...inlineInts(node, { pads }, define), inlineFloat(node, 'value', value, define)] };
  }
  if (opset < 11 && node.op === 'Clip') {
    const min = node.attributes.min?.kind === 'float' ? node.attributes.min.value : -3.4028234663852886e38;
    const max = node.attributes.max?.kind === 'float' ? node.attributes.max.value : 3.4028234663852886e38;
    return { ...node, attributes: {}, inputs: [node.inputs[0], inlineFloat(node, 'min', min, define), inlineFloat(node, 'max', max, define)] };
  }
  return node;
}

function inlineInts(node: Node, values: Record<string, number[]>, define: Define): string[] {
  return Object.entries(values).map(([key, ints]) => {
    const name = `${node.outputs[0]}__${key}`;
    define(name, { kind: 'int', dims: [ints.length], values: ints, dataType: 7 });
    return name;
  });
}

function inlineFloat(node: Node, key: string, value: number, define: Define): string {
  const name = `${node.outputs[0]}__${key}`;
  define(name, { kind: 'float', dims: [], values: Float32Array.of(value) });
  return name;
}

/**
 * Rewrites a node's run-time arguments that are constants here into static form: auto_pad to
 * pads, a Reshape shape holding the batch to 0 (copy), Softmax's axis explicit.
 */
function withStaticArguments(node: Node, known: Map<string, Known>, fixedBatch: number | null, opset: number, shapeOf: (name: string, node: Node) => Shape): Node {
  if (node.op === 'Reshape') {
    const target = known.get(node.inputs[1]);
    if (!target || target.kind !== 'int') throw new NotFoldable(`${describeNode(node)}: its target shape is computed at run time`);
    const inputShape = shapeOf(node.inputs[0], node);
    const batchAt = inputShape.indexOf('N');
    const values = target.values.map((v, i): number => {
      if (v === 'N') {
        if (i === batchAt) return 0;
        if (target.values.filter((x) => x === 'N' || x === -1).length === 1) return -1;
        throw new NotFoldable(`${describeNode(node)} moves the batch axis`);
      }
      if (i === 0 && batchAt === 0 && fixedBatch !== null && v === fixedBatch && intAttribute(node, 'allowzero', 0) === 0) return 0;
      return v;
    });
    const name = `${node.outputs[0]}__shape`;
    known.set(name, { kind: 'int', dims: [values.length], values, dataType: 7 });
    return { ...node, inputs: [node.inputs[0], name] };
  }
  if ((node.op === 'Conv' || node.op === 'MaxPool' || node.op === 'AveragePool') && stringAttribute(node, 'auto_pad', 'NOTSET') !== 'NOTSET') {
    const shape = shapeOf(node.inputs[0], node);
    const spatial = shape.slice(2) as number[];
    const kernel = node.op === 'Conv' ? (intsAttribute(node, 'kernel_shape') ?? (shapeOf(node.inputs[1], node).slice(2) as number[])) : (intsAttribute(node, 'kernel_shape') ?? []);
    const strides = intsAttribute(node, 'strides') ?? spatial.map(() => 1);
    const dilations = intsAttribute(node, 'dilations') ?? spatial.map(() => 1);
    const mode = stringAttribute(node, 'auto_pad', 'NOTSET');
    const begin: number[] = [];
    const end: number[] = [];
    spatial.forEach((size, i) => {
      if (mode === 'VALID') {
        begin.push(0);
        end.push(0);
        return;
      }
      const out = Math.ceil(size / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
      const small = Math.floor(total / 2);
      begin.push(mode === 'SAME_LOWER' ? total - small : small);
      end.push(mode === 'SAME_LOWER' ? small : total - small);
    });
    const attributes = { ...node.attributes, pads: { kind: 'ints' as const, value: [...begin, ...end] } };
    delete (attributes as Record<string, unknown>).auto_pad;
    return { ...node, attributes };
  }
  if (node.op === 'Softmax' || node.op === 'LogSoftmax') {
    const rank = shapeOf(node.inputs[0], node).length;
    const given = intAttribute(node, 'axis', opset < 13 ? 1 : -1);
    const axis = given < 0 ? given + rank : given;
    // Before opset 13 the input was coerced to 2-D at `axis`: the same as a one-axis softmax only when that axis is the last.
    if (opset < 13 && axis !== rank - 1) throw new NotFoldable(`${describeNode(node)}: an opset-${opset} softmax over axes ${axis}… is not supported`);
    return { ...node, attributes: { ...node.attributes, axis: { kind: 'int', value: axis } } };
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

function inferShapes(node: Node, shapeOf: (name: string) => Shape, constantInts: ConstantInts, constantDims: (name: string) => Dim[]): (Shape | undefined)[] {
  const x = () => shapeOf(node.inputs[0]);
  const op = node.op;
  if (op === 'BatchNormalization' && node.outputs.filter((o) => o !== '').length > 1) throw new NotFoldable(`${describeNode(node)} is in training mode`);
  if (op === 'Dropout' || op === 'MaxPool') {
    const out = op === 'Dropout' ? x() : poolShape(node, x());
    return [out, out];
  }
  if (elementwiseUnary.has(op)) return [x()];
  if (elementwiseBinary.has(op)) return [node.inputs.filter((i) => i !== '').map(shapeOf).reduce((a, b) => broadcast(a, b, node))];
  if (reductions.has(op)) {
    const shape = x();
    const axes = normaliseAxes(intsAttribute(node, 'axes') ?? (intAttribute(node, 'noop_with_empty_axes', 0) ? [] : shape.map((_, i) => i)), shape.length);
    if (axes.some((axis) => shape[axis] === 'N')) throw new NotFoldable(`${describeNode(node)} reduces over the batch axis: the model mixes the images of a batch`);
    const keep = intAttribute(node, 'keepdims', 1) === 1;
    return [keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i))];
  }
  switch (op) {
    case 'Conv': {
      const shape = x();
      const weight = shapeOf(node.inputs[1]);
      return [[shape[0], weight[0], ...spatialOut(node, shape, weight.slice(2) as number[], false)]];
    }
    case 'AveragePool':
    case 'LpPool':
      return [poolShape(node, x())];
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return [x().map((d, i) => (i < 2 ? d : 1))];
    case 'Gemm': {
      const a = shapeOf(node.inputs[0]);
      const b = shapeOf(node.inputs[1]);
      const m = intAttribute(node, 'transA', 0) ? a[1] : a[0];
      const n = intAttribute(node, 'transB', 0) ? b[0] : b[1];
      return [[m, n]];
    }
    case 'MatMul': {
      const a = shapeOf(node.inputs[0]);
      const b = shapeOf(node.inputs[1]);
      if (a.length < 2 || b.length < 2) throw new NotFoldable(`${describeNode(node)}: 1-D MatMul operands are not supported`);
      const batch = broadcast(a.slice(0, -2), b.slice(0, -2), node);
      return [[...batch, a[a.length - 2], b[b.length - 1]]];
    }
    case 'Flatten': {
      const shape = x();
      const axis = normaliseAxes([intAttribute(node, 'axis', 1)], shape.length)[0];
      const inner = shape.slice(axis);
      if (inner.includes('N')) throw new NotFoldable(`${describeNode(node)} flattens the batch axis`);
      const outer = shape.slice(0, axis);
      const outerSize = outer.includes('N') ? (outer.length === 1 ? 'N' : badBatch(node)) : sizeOf(outer as number[]);
      return [[outerSize, sizeOf(inner as number[])]];
    }
    case 'Reshape': {
      const shape = x();
      const target = constantInts(node.inputs[1], node, 'target shape') ?? [];
      const known = shape.filter((d) => d !== 'N') as number[];
      const total = sizeOf(known);
      const out: Dim[] = target.map((v, i) => (v === 0 ? shape[i] : v));
      const fixed = out.filter((d) => d !== -1 && d !== 'N') as number[];
      const minus = out.indexOf(-1);
      const batchKept = out.includes('N');
      if (minus >= 0) {
        // -1 takes what is left: with the batch not copied by a 0, that is the batch itself when the other sizes account for every value of an image.
        if (!batchKept && shape.includes('N')) {
          if (total !== sizeOf(fixed)) throw new NotFoldable(`${describeNode(node)} folds the batch into another axis`);
          // Anywhere else, row-major order would mix the images of a batch.
          if (minus !== shape.indexOf('N')) throw new NotFoldable(`${describeNode(node)} moves the batch axis`);
          out[minus] = 'N';
        } else out[minus] = total / sizeOf(fixed);
      }
      if (out.filter((d) => d === 'N').length !== shape.filter((d) => d === 'N').length) throw new NotFoldable(`${describeNode(node)} folds the batch into another axis`);
      if (out.some((d) => d !== 'N' && (!Number.isInteger(d) || d < 0))) throw new NotFoldable(`${describeNode(node)} cannot reshape [${shape.join(', ')}] to [${target.join(', ')}]`);
      return [out];
    }
    case 'Transpose': {
      const shape = x();
      const perm = intsAttribute(node, 'perm') ?? shape.map((_, i) => shape.length - 1 - i);
      return [perm.map((p) => shape[p])];
    }
    case 'Squeeze': {
      const shape = x();
      const axes = normaliseAxes(intsAttribute(node, 'axes') ?? shape.flatMap((d, i) => (d === 1 ? [i] : [])), shape.length);
      return [shape.filter((_, i) => !axes.includes(i))];
    }
    case 'Unsqueeze': {
      const shape = x();
      const rank = shape.length + (intsAttribute(node, 'axes') ?? []).length;
      const axes = normaliseAxes(intsAttribute(node, 'axes') ?? [], rank);
      const out: Dim[] = [];
      let next = 0;
      for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : shape[next++]);
      return [out];
    }
    case 'Concat': {
      const inputs = node.inputs.filter((i) => i !== '').map(shapeOf);
      const axis = normaliseAxes([intAttribute(node, 'axis', 0)], inputs[0].length)[0];
      const sizes = inputs.map((s) => s[axis]);
      if (sizes.includes('N')) throw new NotFoldable(`${describeNode(node)} concatenates along the batch axis`);
      return [inputs[0].map((d, i) => (i === axis ? (sizes as number[]).reduce((a, b) => a + b, 0) : d))];
    }
    case 'Split': {
      const shape = x();
      const axis = normaliseAxes([intAttribute(node, 'axis', 0)], shape.length)[0];
      const size = shape[axis];
      if (size === 'N') throw new NotFoldable(`${describeNode(node)} splits the batch axis`);
      const count = node.outputs.length;
      const split = intsAttribute(node, 'split') ?? Array.from({ length: count }, (_, i) => Math.ceil(size / count) - (i === count - 1 ? Math.ceil(size / count) * count - size : 0));
      node.attributes.split = { kind: 'ints', value: split };
      return split.map((s) => shape.map((d, i) => (i === axis ? s : d)));
    }
    case 'Slice': {
      const shape = x();
      const starts = constantInts(node.inputs[1], node, 'starts') ?? [];
      const ends = constantInts(node.inputs[2], node, 'ends') ?? [];
      const axes = normaliseAxes(constantInts(node.inputs[3], node, 'axes') ?? starts.map((_, i) => i), shape.length);
      const steps = constantInts(node.inputs[4], node, 'steps') ?? starts.map(() => 1);
      const out = [...shape];
      axes.forEach((axis, i) => {
        const size = shape[axis];
        if (size === 'N') throw new NotFoldable(`${describeNode(node)} slices the batch axis`);
        out[axis] = sliceLength(size, starts[i], ends[i], steps[i]);
      });
      return [out];
    }
    case 'Pad': {
      const shape = x();
      const pads = constantInts(node.inputs[1], node, 'pads') ?? [];
      const axes = node.inputs[3] ? normaliseAxes(constantInts(node.inputs[3], node, 'axes') ?? [], shape.length) : shape.map((_, i) => i);
      const out = [...shape];
      axes.forEach((axis, i) => {
        const extra = pads[i] + pads[i + axes.length];
        if (extra === 0) return;
        const size = out[axis];
        if (size === 'N') throw new NotFoldable(`${describeNode(node)} pads the batch axis`);
        out[axis] = size + extra;
      });
      return [out];
    }
    case 'Gather': {
      const data = x();
      const indices = shapeOf(node.inputs[1]);
      const axis = normaliseAxes([intAttribute(node, 'axis', 0)], data.length)[0];
      return [[...data.slice(0, axis), ...indices, ...data.slice(axis + 1)]];
    }
    case 'Expand':
      return [broadcast(x(), constantDims(node.inputs[1]), node)];
    case 'Tile': {
      const repeats = constantInts(node.inputs[1], node, 'repeats') ?? [];
      return [x().map((d, i) => (repeats[i] === 1 ? d : d === 'N' ? badBatch(node) : d * repeats[i]))];
    }
    default:
      throw new NotFoldable(`${describeNode(node)}: the op ${op} is not supported`);
  }
}

function badBatch(node: Node): never {
  throw new NotFoldable(`${describeNode(node)} mixes the batch axis with another`);
}

function poolShape(node: Node, shape: Shape): Shape {
  const kernel = intsAttribute(node, 'kernel_shape');
  if (!kernel) throw new NotFoldable(`${describeNode(node)} has no kernel_shape`);
  return [shape[0], shape[1], ...spatialOut(node, shape, kernel, intAttribute(node, 'ceil_mode', 0) === 1)];
}

/** Output sizes of a convolution or pooling window over the spatial axes. */
export function spatialOut(node: Node, shape: Shape, kernel: readonly number[], ceil: boolean): number[] {
  const spatial = shape.slice(2);
  if (spatial.some((d) => d === 'N')) throw new NotFoldable(`${describeNode(node)} runs over the batch axis`);
  const sizes = spatial as number[];
  const pads = intsAttribute(node, 'pads') ?? [...sizes.map(() => 0), ...sizes.map(() => 0)];
  const strides = intsAttribute(node, 'strides') ?? sizes.map(() => 1);
  const dilations = intsAttribute(node, 'dilations') ?? sizes.map(() => 1);
  return sizes.map((size, i) => {
    const span = size + pads[i] + pads[i + sizes.length] - ((kernel[i] - 1) * dilations[i] + 1);
    let out = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
    // A last window starting in the end padding is dropped (ONNX's and PyTorch's ceil_mode rule).
    if (ceil && (out - 1) * strides[i] >= size + pads[i]) out--;
    return out;
  });
}

function sliceLength(size: number, start: number, end: number, step: number): number {
  return sliceRange(size, start, end, step).count;
}

/** ONNX Slice along one axis: the first index taken and how many (starts and ends clamped as the spec says). */
function sliceRange(size: number, start: number, end: number, step: number): { from: number; count: number } {
  if (step === 0) throw new NotFoldable('a Slice step is 0');
  const clamp = (v: number, low: number, high: number) => Math.min(Math.max(v, low), high);
  const s = start < 0 ? start + size : start;
  const e = end < 0 ? end + size : end;
  if (step > 0) {
    const from = clamp(s, 0, size);
    return { from, count: Math.max(0, Math.ceil((clamp(e, 0, size) - from) / step)) };
  }
  const from = clamp(s, 0, size - 1);
  return { from, count: Math.max(0, Math.ceil((clamp(e, -1, size - 1) - from) / step)) };
}

/** Row-major strides of `dims`. */
function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * dims[i + 1];
  return strides;
}

/** Gathers the values of a constant at the source offsets of every output position, as Slice and Transpose do. */
function remap<T>(values: ArrayLike<T>, dims: readonly number[], outDims: readonly number[], sourceIndex: (position: number[]) => number[]): T[] {
  const strides = stridesOf(dims);
  const out: T[] = [];
  const total = sizeOf(outDims as number[]);
  const position = new Array<number>(outDims.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    for (let d = outDims.length - 1; d >= 0; d--) {
      position[d] = rest % outDims[d];
      rest = Math.floor(rest / outDims[d]);
    }
    const source = sourceIndex(position);
    out.push(values[source.reduce((offset, index, d) => offset + index * strides[d], 0)]);
  }
  return out;
}

function withValues(like: Known, dims: number[], values: unknown[]): Known {
  if (like.kind === 'float') return { kind: 'float', dims, values: Float32Array.from(values as number[]) };
  return { kind: 'int', dims, values: values as Dim[], dataType: like.dataType };
}

export function normaliseAxes(axes: readonly number[], rank: number): number[] {
  return axes.map((a) => (a < 0 ? a + rank : a));
}

export function broadcast(a: Shape, b: readonly Dim[], node: Node): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else throw new NotFoldable(`${describeNode(node)}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

function fromTensor(tensor: Tensor): Known {
  return tensor.kind === 'float' ? tensor : { kind: 'int', dims: tensor.dims, values: tensor.values, dataType: tensor.dataType };
}

function toTensor(value: Known, name: string): Tensor {
  if (value.kind === 'float') return value;
  if (value.values.includes('N')) throw new NotFoldable(`"${name}" depends on the batch size where the tool cannot keep it symbolic`);
  return { kind: 'int', dims: value.dims, values: value.values as number[], dataType: value.dataType };
}

/**
 * Nodes computing a 1-D int constant that holds the batch size (a shape) at run time, from the
 * input's own shape: value = batch · mask + rest, mask 1 where the value is the batch.
 */
function withRunTimeBatch(name: string, value: Extract<Known, { kind: 'int' }>, input: string, initializers: Map<string, Tensor>): Node[] {
  if (value.dims.length !== 1) throw new NotFoldable(`"${name}" depends on the batch size where the tool cannot keep it symbolic`);
  const names = { shape: `${name}__input_shape`, batch: `${name}__batch`, scaled: `${name}__batch_scaled`, starts: `${name}__starts`, ends: `${name}__ends`, mask: `${name}__mask`, rest: `${name}__rest` };
  const int64 = (values: number[]): Tensor => ({ kind: 'int', dims: [values.length], values, dataType: 7 });
  initializers.set(names.starts, int64([0]));
  initializers.set(names.ends, int64([1]));
  initializers.set(names.mask, int64(value.values.map((v) => (v === 'N' ? 1 : 0))));
  initializers.set(names.rest, int64(value.values.map((v) => (v === 'N' ? 0 : v))));
  const node = (op: string, inputs: string[], out: string): Node => ({ op, domain: '', name: out, inputs, outputs: [out], attributes: {} });
  return [
    node('Shape', [input], names.shape),
    node('Slice', [names.shape, names.starts, names.ends], names.batch),
    node('Mul', [names.batch, names.mask], names.scaled),
    node('Add', [names.scaled, names.rest], name),
  ];
}

function constantValue(node: Node): Known {
  const attribute = node.attributes.value;
  if (attribute?.kind === 'tensor') return fromTensor(attribute.value);
  const f = node.attributes.value_float;
  if (f?.kind === 'float') return { kind: 'float', dims: [], values: Float32Array.of(f.value) };
  const fs = node.attributes.value_floats;
  if (fs?.kind === 'floats') return { kind: 'float', dims: [fs.value.length], values: Float32Array.from(fs.value) };
  const i = node.attributes.value_int;
  if (i?.kind === 'int') return { kind: 'int', dims: [], values: [i.value], dataType: 7 };
  const is = node.attributes.value_ints;
  if (is?.kind === 'ints') return { kind: 'int', dims: [is.value.length], values: is.value, dataType: 7 };
  throw new NotFoldable(`${describeNode(node)} holds a value the tool does not read`);
}

const floatTypes = new Set([1, 10, 11]);

/**
 * Evaluates a node whose inputs are all constants, for the ops shape arithmetic uses and simple
 * weight arithmetic; null leaves the node to run (ONNX Runtime folds the rest itself).
 */
function evaluate(node: Node, inputs: (Known | undefined)[]): Known[] | null {
  const [a, b] = inputs;
  if (!a) return null;
  const ints = (k: Known): Dim[] => (k.kind === 'int' ? k.values : Array.from(k.values));
  switch (node.op) {
    case 'Identity':
      return [a];
    case 'Cast': {
      const to = intAttribute(node, 'to', 1);
      if (floatTypes.has(to)) return a.values.includes('N' as never) ? null : [{ kind: 'float', dims: a.dims, values: Float32Array.from(a.values as ArrayLike<number>) }];
      return [{ kind: 'int', dims: a.dims, values: ints(a).map((v) => (v === 'N' ? v : Math.trunc(v))), dataType: to }];
    }
    case 'Unsqueeze': {
      const rank = a.dims.length + (intsAttribute(node, 'axes') ?? []).length;
      const axes = normaliseAxes(intsAttribute(node, 'axes') ?? [], rank);
      const dims: number[] = [];
      let next = 0;
      for (let i = 0; i < rank; i++) dims.push(axes.includes(i) ? 1 : a.dims[next++]);
      return [{ ...a, dims } as Known];
    }
    case 'Squeeze': {
      const axes = normaliseAxes(intsAttribute(node, 'axes') ?? a.dims.flatMap((d, i) => (d === 1 ? [i] : [])), a.dims.length);
      return [{ ...a, dims: a.dims.filter((_, i) => !axes.includes(i)) } as Known];
    }
    case 'Reshape': {
      if (!b) return null;
      const target = ints(b) as number[];
      const dims = target.map((v, i) => (v === 0 ? a.dims[i] : v));
      const minus = dims.indexOf(-1);
      if (minus >= 0) dims[minus] = sizeOf(a.dims) / sizeOf(dims.filter((d) => d !== -1));
      return [{ ...a, dims } as Known];
    }
    case 'Flatten': {
      const axis = normaliseAxes([intAttribute(node, 'axis', 1)], a.dims.length)[0];
      return [{ ...a, dims: [sizeOf(a.dims.slice(0, axis)), sizeOf(a.dims.slice(axis))] } as Known];
    }
    case 'Concat': {
      if (inputs.some((k) => !k || k.dims.length !== 1)) return null;
      const all = inputs as Known[];
      if (all.every((k) => k.kind === 'int')) {
        const values = all.flatMap((k) => ints(k));
        return [{ kind: 'int', dims: [values.length], values, dataType: (all[0] as { dataType: number }).dataType }];
      }
      if (all.every((k) => k.kind === 'float')) {
        const values = all.flatMap((k) => Array.from(k.values as Float32Array));
        return [{ kind: 'float', dims: [values.length], values: Float32Array.from(values) }];
      }
      return null;
    }
    case 'Gather': {
      if (!b || a.dims.length !== 1) return null;
      const indices = ints(b) as number[];
      const source = ints(a);
      const picked = indices.map((i) => source[i < 0 ? i + source.length : i]);
      if (a.kind === 'float') return [{ kind: 'float', dims: b.dims, values: Float32Array.from(picked as number[]) }];
      return [{ kind: 'int', dims: b.dims, values: picked, dataType: a.dataType }];
    }
    case 'Slice': {
      const arg = (k: Known | undefined) => (k ? (ints(k) as number[]) : undefined);
      const starts = arg(b) ?? [];
      const ends = arg(inputs[2]) ?? [];
      if ([b, inputs[2], inputs[3], inputs[4]].some((k) => k && ints(k).includes('N'))) return null;
      const axes = normaliseAxes(arg(inputs[3]) ?? starts.map((_, i) => i), a.dims.length);
      const steps = arg(inputs[4]) ?? starts.map(() => 1);
      const from = a.dims.map(() => 0);
      const step = a.dims.map(() => 1);
      const dims = [...a.dims];
      axes.forEach((axis, i) => {
        const range = sliceRange(a.dims[axis], starts[i], ends[i], steps[i]);
        from[axis] = range.from;
        step[axis] = steps[i];
        dims[axis] = range.count;
      });
      return [withValues(a, dims, remap<unknown>(a.values, a.dims, dims, (position) => position.map((p, d) => from[d] + p * step[d])))];
    }
    case 'Transpose': {
      const perm = intsAttribute(node, 'perm') ?? a.dims.map((_, i) => a.dims.length - 1 - i);
      const dims = perm.map((p) => a.dims[p]);
      return [withValues(a, dims, remap<unknown>(a.values, a.dims, dims, (position) => perm.map((_, d) => position[perm.indexOf(d)])))];
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      if (!b) return null;
      const f = { Add: (x: number, y: number) => x + y, Sub: (x: number, y: number) => x - y, Mul: (x: number, y: number) => x * y, Div: (x: number, y: number) => x / y }[node.op as 'Add'];
      if (a.kind === 'int' && b.kind === 'int') {
        if (sizeOf(a.dims) !== sizeOf(b.dims) && sizeOf(b.dims) !== 1 && sizeOf(a.dims) !== 1) return null;
        const n = Math.max(a.values.length, b.values.length);
        const values: Dim[] = [];
        for (let i = 0; i < n; i++) {
          const x = a.values[a.values.length === 1 ? 0 : i];
          const y = b.values[b.values.length === 1 ? 0 : i];
          if (x === 'N' || y === 'N') {
            if ((node.op === 'Mul' || node.op === 'Div') && y === 1) values.push(x);
            else if (node.op === 'Mul' && x === 1) values.push(y);
            else if ((node.op === 'Add' || node.op === 'Sub') && y === 0) values.push(x);
            else return null;
          } else {
            const r = f(x, y);
            values.push(node.op === 'Div' ? Math.trunc(r) : r);
          }
        }
        return [{ kind: 'int', dims: a.values.length >= b.values.length ? a.dims : b.dims, values, dataType: a.dataType }];
      }
      if (a.kind === 'float' && b.kind === 'float') {
        const dims = a.values.length >= b.values.length ? a.dims : b.dims;
        if (a.values.length !== b.values.length && a.values.length !== 1 && b.values.length !== 1) return null;
        const n = Math.max(a.values.length, b.values.length);
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = f(a.values[a.values.length === 1 ? 0 : i], b.values[b.values.length === 1 ? 0 : i]);
        return [floatTensor(dims, out) as Known];
      }
      return null;
    }
    case 'Sqrt':
    case 'Neg':
    case 'Reciprocal': {
      if (a.kind !== 'float') return null;
      const f = { Sqrt: Math.sqrt, Neg: (x: number) => -x, Reciprocal: (x: number) => 1 / x }[node.op as 'Sqrt'];
      return [{ kind: 'float', dims: a.dims, values: a.values.map(f) }];
    }
    case 'ConstantOfShape': {
      const dims = ints(a);
      if (dims.includes('N')) return null;
      const fill = node.attributes.value?.kind === 'tensor' ? node.attributes.value.value : { kind: 'float' as const, dims: [1], values: Float32Array.of(0) };
      const n = sizeOf(dims as number[]);
      if (fill.kind === 'float') return [{ kind: 'float', dims: dims as number[], values: new Float32Array(n).fill(fill.values[0]) }];
      return [{ kind: 'int', dims: dims as number[], values: new Array<number>(n).fill(fill.values[0]), dataType: fill.dataType }];
    }
    case 'Equal': {
      if (!b || a.kind !== 'int' || b.kind !== 'int') return null;
      const n = Math.max(a.values.length, b.values.length);
      const values = Array.from({ length: n }, (_, i) => (a.values[a.values.length === 1 ? 0 : i] === b.values[b.values.length === 1 ? 0 : i] ? 1 : 0));
      return [{ kind: 'int', dims: a.values.length >= b.values.length ? a.dims : b.dims, values, dataType: 9 }];
    }
    case 'Where': {
      const c = inputs[2];
      if (!b || !c || a.kind !== 'int' || b.kind !== 'int' || c.kind !== 'int') return null;
      const n = Math.max(a.values.length, b.values.length, c.values.length);
      const at = (k: { values: Dim[] }, i: number) => k.values[k.values.length === 1 ? 0 : i];
      const values = Array.from({ length: n }, (_, i) => (at(a, i) ? at(b, i) : at(c, i)));
      return [{ kind: 'int', dims: [n], values, dataType: b.dataType }];
    }
    case 'Range': {
      const [start, limit, delta] = inputs.map((k) => (k ? (ints(k) as number[])[0] : 0));
      const values: number[] = [];
      for (let v = start; delta > 0 ? v < limit : v > limit; v += delta) values.push(v);
      return a.kind === 'float' ? [{ kind: 'float', dims: [values.length], values: Float32Array.from(values) }] : [{ kind: 'int', dims: [values.length], values, dataType: a.dataType }];
    }
    default:
      return null;
  }
}
