/**
 * From any classifier's ONNX graph to the two graphs the worker runs, both over pixels in the
 * engine's convention (NHWC, [0, 1], so norms stay in pixel units: PROTOCOL.md):
 *  - forward: pixels [N, H, W, C] → logits [N, k];
 *  - gradient: pixels, w [N, k] → logits, ∂(Σ w·logits)/∂pixels; with k ≥ 2 classes also a one-hot
 *    label input, whose rows add the cross-entropy cotangent softmax(logits) − onehot to w inside
 *    the graph, so that a loss gradient is one run rather than a forward pass and then a vjp.
 * The model's preprocessing and its layout (NCHW or NHWC) are folded in as the first nodes; the
 * logits are found behind a final Softmax / LogSoftmax / Sigmoid.
 */
import { withInputGradient } from './autodiff/index';
import { withBatchNormFolded } from './conv-batch-norm';
import { foldGraph, type Shape } from './fold';
import { DataType, describeNode, type Graph, type Node, type ValueInfo } from './ir';
import type { OutputActivation } from '../model/loaded-model';
import { channelParameters, type Preprocessing } from '../../protocol/preprocessing';

/** The graph does not describe an image classifier the tool can run. */
export class NotAClassifier extends Error {}

export type Layout = 'nhwc' | 'nchw';

export interface ComputeGraphs {
  forward: Graph;
  gradient: Graph;
  /** One image as the engine sees it: [H, W, C] ([H, W] for a rank-3 gray input). */
  imageShape: number[];
  layout: Layout;
  /** Logits per image: 1 (a single logit / sigmoid) or k classes. */
  logitCount: number;
  /** What the model applies to its logits. */
  outputActivation: OutputActivation;
  /** The op behind the output, to compare the model's own outputs with. */
  outputOp: 'none' | 'Sigmoid' | 'Softmax' | 'LogSoftmax';
  /** Float32 values one image occupies through the forward pass, to size batches. */
  floatsPerImage: number;
  /** The batch size the file fixes, null when it is symbolic. */
  fixedBatch: number | null;
}

// Prefixed so as not to meet a name the model already uses.
export const pixelsName = '__rl_pixels';
export const logitsName = '__rl_logits';
export const cotangentName = '__rl_cotangent';
export const gradientName = '__rl_input_gradient';
/** The gradient graph's one-hot labels [N, k] (k ≥ 2 only): a row of zeros adds nothing to w. */
export const crossEntropyLabelsName = '__rl_cross_entropy_labels';
const totalCotangentName = '__rl_total_cotangent';
/** The forward graph's inputs: pixels = clip(x + multipliers·directions, low, high), broadcast over the batch. */
export const perturbationInputs = { x: '__rl_x', directions: '__rl_directions', multipliers: '__rl_multipliers', low: '__rl_low', high: '__rl_high' } as const;

const passThroughOps = new Set(['Identity', 'Flatten', 'Reshape', 'Squeeze']);

export function computeGraphs(source: Graph, preprocessing: Preprocessing): ComputeGraphs {
  const input = singleImageInput(source);
  if (source.outputs.length !== 1) throw new NotAClassifier(`the model has ${source.outputs.length} outputs; a classifier has one ([batch, classes])`);
  const { layout, imageShape, channels, fixedBatch } = geometryOf(input);
  const prefixed = withPixelPrefix(source, input, layout, imageShape, channels, preprocessing);
  const output = source.outputs[0].name;
  const { graph, shapes } = foldGraph(prefixed, pixelsName, imageShape, output, fixedBatch);
  const { logits, activation, op } = findLogits(graph, output);
  const logitsShape = shapes.get(logits) ?? [];
  if (logitsShape[0] !== 'N') throw new NotAClassifier(`the output has shape [${logitsShape.join(', ')}], not [batch, classes]`);
  const flatCount = logitsShape.slice(1).reduce<number>((n, d) => n * (d as number), 1);
  if (logitsShape.slice(1).some((d) => d !== 1 && d !== flatCount)) throw new NotAClassifier(`the output has shape [${logitsShape.join(', ')}], not [batch, classes]`);
  if (activation === 'softmax' && flatCount < 2) throw new NotAClassifier('the output is a softmax over one value');
  graph.nodes.push({ op: 'Flatten', domain: '', name: logitsName, inputs: [logits], outputs: [logitsName], attributes: { axis: { kind: 'int', value: 1 } } });
  shapes.set(logitsName, ['N', flatCount]);
  const forward: Graph = {
    ...graph,
    inputs: [{ name: pixelsName, elemType: DataType.float, dims: ['batch', ...imageShape] }],
    outputs: [{ name: logitsName, elemType: DataType.float, dims: ['batch', flatCount] }],
  };
  const differentiable = withBatchNormFolded({ graph: forward, shapes });
  const gradient =
    flatCount > 1
      ? withCrossEntropyCotangent(withInputGradient(differentiable, { input: pixelsName, output: logitsName, cotangent: totalCotangentName, gradient: gradientName }), flatCount)
      : withInputGradient(differentiable, { input: pixelsName, output: logitsName, cotangent: cotangentName, gradient: gradientName });
  return {
    forward: withPerturbationPrefix(forward, imageShape),
    gradient,
    imageShape,
    layout,
    logitCount: flatCount,
    outputActivation: activation,
    outputOp: op,
    floatsPerImage: floatsPerImage(shapes),
    fixedBatch,
  };
}

/**
 * The forward graph fed as x + s·direction, built by ONNX Runtime's vectorised Mul and Add (the
 * same float32 roundings as TF.js's mul then add, and as the host loop this replaces, which cost
 * ~50–70 ns a value: at 224×224×3 more than half of a MobileNetV2 forward pass). x is one image
 * or a batch, directions one row (a line search) or one per scale (random perturbations); the
 * Clip bounds are ±∞ when the run does not clip.
 */
function withPerturbationPrefix(forward: Graph, imageShape: readonly number[]): Graph {
  const { x, directions, multipliers, low, high } = perturbationInputs;
  const ones = imageShape.map(() => 1);
  const step = `${pixelsName}/step`;
  const sum = `${pixelsName}/sum`;
  const prefix: Node[] = [
    { op: 'Mul', domain: '', name: step, inputs: [multipliers, directions], outputs: [step], attributes: {} },
    { op: 'Add', domain: '', name: sum, inputs: [x, step], outputs: [sum], attributes: {} },
    { op: 'Clip', domain: '', name: pixelsName, inputs: [sum, low, high], outputs: [pixelsName], attributes: {} },
  ];
  return {
    ...forward,
    nodes: [...prefix, ...forward.nodes],
    inputs: [
      { name: x, elemType: DataType.float, dims: ['images', ...imageShape] },
      { name: directions, elemType: DataType.float, dims: ['directions', ...imageShape] },
      { name: multipliers, elemType: DataType.float, dims: ['batch', ...ones] },
      { name: low, elemType: DataType.float, dims: [] },
      { name: high, elemType: DataType.float, dims: [] },
    ],
  };
}

/**
 * The gradient graph's cotangent as w + r·softmax(z) − onehot, r = Σ onehot per row (1 for a
 * cross-entropy row, 0 for a plain vjp row, which then gets w exactly). Computed in float64 and
 * rounded to float32, as the host computed it before (the same max-shifted softmax).
 */
function withCrossEntropyCotangent(gradient: Graph, classes: number): Graph {
  const name = (hint: string) => `${crossEntropyLabelsName}/${hint}`;
  const node = (op: string, inputs: string[], attributes: Node['attributes'] = {}, output = name(op)): Node => ({ op, domain: '', name: output, inputs, outputs: [output], attributes });
  const toDouble = { to: { kind: 'int', value: DataType.double } } as const;
  const nodes: Node[] = [
    node('Cast', [logitsName], toDouble, name('logits')),
    node('Softmax', [name('logits')], { axis: { kind: 'int', value: 1 } }),
    node('Cast', [crossEntropyLabelsName], toDouble, name('labels')),
    node('ReduceSum', [name('labels')], { axes: { kind: 'ints', value: [1] }, keepdims: { kind: 'int', value: 1 } }),
    node('Mul', [name('Softmax'), name('ReduceSum')]),
    node('Sub', [name('Mul'), name('labels')]),
    node('Cast', [name('Sub')], { to: { kind: 'int', value: DataType.float } }, name('float')),
    node('Add', [cotangentName, name('float')], {}, totalCotangentName),
  ];
  const [pixels] = gradient.inputs;
  const rowsOfClasses = { elemType: DataType.float, dims: ['batch', classes] };
  return {
    ...gradient,
    // Right after the logits, before the backward pass that reads the cotangent: in topological order.
    nodes: gradient.nodes.flatMap((n) => (n.outputs.includes(logitsName) ? [n, ...nodes] : [n])),
    inputs: [pixels, { name: cotangentName, ...rowsOfClasses }, { name: crossEntropyLabelsName, ...rowsOfClasses }],
  };
}

function singleImageInput(graph: Graph): ValueInfo {
  if (graph.inputs.length !== 1) {
    throw new NotAClassifier(`the model has ${graph.inputs.length} inputs (${graph.inputs.map((i) => i.name).join(', ')}); an image classifier has one`);
  }
  const input = graph.inputs[0];
  if (input.elemType !== DataType.float) throw new NotAClassifier(`the input "${input.name}" is not a float tensor (element type ${input.elemType})`);
  return input;
}

interface Geometry {
  layout: Layout;
  imageShape: number[];
  channels: number;
  fixedBatch: number | null;
}

/** Reads NCHW / NHWC / gray [N, H, W] from the input's dims. */
export function geometryOf(input: ValueInfo): Geometry {
  const dims = input.dims;
  const describe = `[${dims.join(', ')}]`;
  if (dims.length !== 3 && dims.length !== 4) throw new NotAClassifier(`the input "${input.name}" has shape ${describe}, not an image batch [N, C, H, W] or [N, H, W, C]`);
  const fixedBatch = typeof dims[0] === 'number' ? dims[0] : null;
  const rest = dims.slice(1);
  if (rest.some((d) => typeof d !== 'number')) {
    throw new NotAClassifier(`the input "${input.name}" has shape ${describe}: its image size must be fixed (export with a fixed height, width and channels)`);
  }
  const sizes = rest as number[];
  if (sizes.length === 2) return { layout: 'nhwc', imageShape: sizes, channels: 1, fixedBatch };
  const [a, , c] = sizes;
  const isChannels = (n: number) => n === 1 || n === 3;
  if (isChannels(c)) return { layout: 'nhwc', imageShape: sizes, channels: c, fixedBatch };
  if (isChannels(a)) return { layout: 'nchw', imageShape: [sizes[1], sizes[2], a], channels: a, fixedBatch };
  throw new NotAClassifier(`the input "${input.name}" has shape ${describe}: neither NCHW nor NHWC with 1 or 3 channels`);
}

/** Pixels [N, H, W, C] in [0, 1] → the model's preprocessing → its layout, producing the model's own input. */
function withPixelPrefix(source: Graph, input: ValueInfo, layout: Layout, imageShape: number[], channels: number, preprocessing: Preprocessing): Graph {
  const nodes: Node[] = [];
  const initializers = new Map(source.initializers);
  let current = pixelsName;
  const add = (op: string, inputs: string[], attributes: Node['attributes'] = {}) => {
    const output = `${pixelsName}/${op}_${nodes.length}`;
    nodes.push({ op, domain: '', name: output, inputs, outputs: [output], attributes });
    current = output;
  };
  const { order, multiply, offset } = channelParameters(preprocessing, channels);
  if (order) {
    initializers.set(`${pixelsName}/order`, { kind: 'int', dims: [order.length], values: order, dataType: DataType.int64 });
    add('Gather', [current, `${pixelsName}/order`], { axis: { kind: 'int', value: imageShape.length } });
  }
  if (multiply.some((m) => m !== 1)) {
    initializers.set(`${pixelsName}/scale`, { kind: 'float', dims: [multiply.length], values: Float32Array.from(multiply) });
    add('Mul', [current, `${pixelsName}/scale`]);
  }
  if (offset.some((o) => o !== 0)) {
    initializers.set(`${pixelsName}/offset`, { kind: 'float', dims: [offset.length], values: Float32Array.from(offset) });
    add('Add', [current, `${pixelsName}/offset`]);
  }
  if (layout === 'nchw') add('Transpose', [current], { perm: { kind: 'ints', value: [0, 3, 1, 2] } });
  const last = nodes.at(-1);
  if (last) last.outputs = [input.name];
  else nodes.push({ op: 'Identity', domain: '', name: `${pixelsName}/identity`, inputs: [pixelsName], outputs: [input.name], attributes: {} });
  return { ...source, nodes: [...nodes, ...source.nodes], initializers, inputs: [{ name: pixelsName, elemType: DataType.float, dims: ['batch', ...imageShape] }] };
}

/** The logits behind the output: the input of a final Softmax / LogSoftmax / Sigmoid, through reshapes. */
function findLogits(graph: Graph, output: string): { logits: string; activation: OutputActivation; op: ComputeGraphs['outputOp'] } {
  const producer = new Map<string, Node>();
  for (const node of graph.nodes) for (const name of node.outputs) producer.set(name, node);
  let current = output;
  for (;;) {
    const node = producer.get(current);
    if (!node) return { logits: output, activation: 'linear', op: 'none' };
    if (node.op === 'Softmax' || node.op === 'LogSoftmax') return { logits: node.inputs[0], activation: 'softmax', op: node.op };
    if (node.op === 'Sigmoid') return { logits: node.inputs[0], activation: 'sigmoid', op: 'Sigmoid' };
    if (!passThroughOps.has(node.op)) return { logits: output, activation: 'linear', op: 'none' };
    current = node.inputs[0];
  }
}

function floatsPerImage(shapes: Map<string, Shape>): number {
  let total = 0;
  for (const shape of shapes.values()) {
    if (shape[0] !== 'N') continue;
    total += shape.slice(1).reduce<number>((n, d) => n * (d === 'N' ? 1 : d), 1);
  }
  return total;
}

export { describeNode };
