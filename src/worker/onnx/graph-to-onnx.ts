/**
 * Translates a TF.js graph model (tfjs-converter's GraphDef and its constants) into an ONNX graph
 * that computes the same output, for ONNX Runtime's CPU kernels. TensorFlow's NHWC values run in
 * ONNX's NCHW from the first spatial node on and are transposed back only where TensorFlow's
 * axis order matters (Reshape, a reduction that keeps some spatial axes, the output). Static
 * shapes are tracked to write out TF's 'SAME' padding. Only the nodes the output depends on are
 * translated; one it does not know throws NotTranslatable, and the caller keeps TF.js.
 */
import { dataInputs, NodeAttributes, type GraphNodeDef } from './graph-def';
import { NotTranslatable, OnnxGraph, type AttributeValue } from './onnx-graph';
import { nchwAxis, samePadding, toNchw, toNhwc, unaryActivations } from './tf-conventions';

/** A constant of the graph (a Const node's value from the model's weights). */
export interface GraphConstant {
  shape: readonly number[];
  dtype: string;
  values: ArrayLike<number>;
}

export interface GraphModelSource {
  nodes: readonly GraphNodeDef[];
  /** The Placeholder node of the image input, and one image's NHWC shape. */
  inputNode: string;
  inputShape: readonly number[];
  /** The node whose first output is the model's output [batch, classes]. */
  outputNode: string;
  /** A Const node's value; undefined when the weights do not hold it. */
  constant(node: string): GraphConstant | undefined;
}

/** A value computed at run time. `shape` is in TF's axis order whatever the layout; -1 is the batch. */
interface Computed {
  kind: 'computed';
  name: string;
  layout: 'tf' | 'nchw';
  shape: number[];
}

interface Constant {
  kind: 'constant';
  node: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: ArrayLike<number>;
}

type Value = Computed | Constant;

const batch = -1;
const binaryOps: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  RealDiv: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
};
const activationOps: Record<string, string> = {
  Relu: 'relu',
  Relu6: 'relu6',
  Elu: 'elu',
  Selu: 'selu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  LeakyRelu: 'leakyrelu',
};
/** The activations TF.js fuses into _FusedConv2D, FusedDepthwiseConv2dNative and _FusedMatMul. */
const fusedActivations = new Set(['relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu']);
const convolutionOps = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'DepthwiseConv2d', 'FusedDepthwiseConv2dNative']);

export function graphModelToOnnx(source: GraphModelSource): Uint8Array {
  return new GraphTranslator(source).translate();
}

class GraphTranslator {
  private readonly graph = new OnnxGraph();
  private readonly nodes = new Map<string, GraphNodeDef>();
  private readonly values = new Map<string, Value>();
  /** Initialisers already written for a constant in a layout, by "node|layout". */
  private readonly initializers = new Map<string, string>();
  private readonly inputName: string;

  constructor(private readonly source: GraphModelSource) {
    for (const node of source.nodes) this.nodes.set(node.name, node);
    this.inputName = this.graph.unique('images');
  }

  translate(): Uint8Array {
    const { inputShape, outputNode } = this.source;
    if (inputShape.some((d) => !Number.isInteger(d) || d <= 0)) throw new NotTranslatable('the input shape is not fully known');
    for (const node of this.dependencyOrder(outputNode)) this.values.set(node.name, this.convert(node));
    const output = this.values.get(outputNode)!;
    if (output.kind !== 'computed' || output.shape.length !== 2 || output.shape[0] !== batch || !(output.shape[1] > 0)) {
      throw new NotTranslatable(`node ${outputNode}: the output is not [batch, classes]`);
    }
    const result = this.inTf(output);
    return this.graph.toBytes({ name: this.inputName, shape: inputShape }, { name: result.name, size: output.shape[1] });
  }

  /** The nodes `outputNode` depends on, each after its inputs. */
  private dependencyOrder(outputNode: string): GraphNodeDef[] {
    const order: GraphNodeDef[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: Array<{ name: string; expanded: boolean }> = [{ name: outputNode, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      const node = this.nodes.get(top.name);
      if (!node) throw new NotTranslatable(`node ${top.name} is not in the graph`);
      if (top.expanded) {
        state.set(top.name, 'done');
        order.push(node);
        continue;
      }
      if (state.get(top.name) === 'done') continue;
      if (state.get(top.name) === 'open') throw new NotTranslatable(`node ${top.name} is part of a cycle`);
      state.set(top.name, 'open');
      stack.push({ name: top.name, expanded: true });
      for (const input of dataInputs(node)) {
        if (input.output !== 0) throw new NotTranslatable(`node ${node.name}: output ${input.output} of node ${input.node} is not translated`);
        if (state.get(input.node) !== 'done') stack.push({ name: input.node, expanded: false });
      }
    }
    return order;
  }

  private convert(node: GraphNodeDef): Value {
    const inputs = dataInputs(node).map((input) => this.values.get(input.node)!);
    const attributes = new NodeAttributes(node);
    const { op } = node;
    if (op in binaryOps) {
      if (op === 'BiasAdd') channelsLast(node, attributes);
      return this.binary(node, binaryOps[op], this.arity(node, inputs, 2));
    }
    if (op in activationOps) return this.activation(node, activationOps[op], this.computed(node, this.arity(node, inputs, 1)[0]), attributes.number('alpha', 0.2));
    if (convolutionOps.has(op)) return this.convolution(node, attributes, inputs);
    switch (op) {
      case 'Placeholder':
        if (node.name !== this.source.inputNode) throw new NotTranslatable(`node ${node.name}: a second input is not translated`);
        return { kind: 'computed', name: this.inputName, layout: 'tf', shape: [batch, ...this.source.inputShape] };
      case 'Const':
        return this.constant(node);
      case 'Identity':
        return this.arity(node, inputs, 1)[0];
      case 'Prelu': {
        const [x, slope] = this.arity(node, inputs, 2);
        return this.activation(node, 'prelu', this.computed(node, x), 0, slope);
      }
      case 'Softmax': {
        const x = this.computed(node, this.arity(node, inputs, 1)[0]);
        return { ...x, name: this.graph.node('Softmax', [x.name], { axis: x.layout === 'nchw' ? 1 : x.shape.length - 1 }, node.name) };
      }
      case 'MaxPool':
      case 'AvgPool':
        return this.pooling(node, attributes, this.arity(node, inputs, 1)[0]);
      case 'Mean':
      case 'Max':
        return this.reduction(node, attributes, this.arity(node, inputs, 2));
      case 'MatMul':
      case '_FusedMatMul':
        return this.matMul(node, attributes, inputs);
      case 'Reshape':
        return this.reshape(node, this.arity(node, inputs, 2));
      case 'Squeeze':
        return this.squeeze(node, attributes, this.arity(node, inputs, 1)[0]);
      case 'Pad':
      case 'PadV2':
        return this.pad(node, inputs);
      case 'ConcatV2':
        return this.concat(node, inputs);
      case 'FusedBatchNorm':
      case 'FusedBatchNormV2':
      case 'FusedBatchNormV3':
        return this.batchNormalization(node, attributes, this.arity(node, inputs, 5));
      default:
        throw new NotTranslatable(`node ${node.name}: ${op} is not translated to ONNX`);
    }
  }

  private arity(node: GraphNodeDef, inputs: Value[], count: number): Value[] {
    if (inputs.length !== count) throw new NotTranslatable(`node ${node.name}: ${node.op} with ${inputs.length} inputs is not translated`);
    return inputs;
  }

  private constant(node: GraphNodeDef): Constant {
    const value = this.source.constant(node.name);
    if (!value) throw new NotTranslatable(`node ${node.name}: the weights hold no value for this constant`);
    if (value.dtype !== 'float32' && value.dtype !== 'int32') throw new NotTranslatable(`node ${node.name}: ${value.dtype} constants are not translated`);
    return { kind: 'constant', node: node.name, shape: [...value.shape], dtype: value.dtype, values: value.values };
  }

  // ---- convolutions and pooling ----

  private convolution(node: GraphNodeDef, attributes: NodeAttributes, inputs: Value[]): Computed {
    if (inputs.length < 2) throw new NotTranslatable(`node ${node.name}: ${node.op} without a filter`);
    const [input, filterValue, ...args] = inputs;
    channelsLast(node, attributes);
    const x = this.spatial(node, input);
    const filter = this.floatConstant(node, filterValue, 'filter', 4);
    const depthwise = node.op.toLowerCase().includes('depthwise');
    const [kh, kw, inChannels, outPerGroup] = filter.shape;
    if (inChannels !== x.shape[3]) throw new NotTranslatable(`node ${node.name}: a ${inChannels}-channel filter over ${x.shape[3]} channels`);
    const outChannels = depthwise ? inChannels * outPerGroup : outPerGroup;
    // Conv2D: HWIO → OIHW. Depthwise: [h, w, C, m] → [C·m, 1, h, w], one group per channel.
    const kernel = permute(filter.values, filter.shape, depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1]);
    const strides = spatialPair(node, attributes.ints('strides', [1, 1, 1, 1]), 'strides');
    const dilations = spatialPair(node, attributes.ints('dilations', [1, 1, 1, 1]), 'dilations');
    const window = windowShape(node, attributes, x.shape, [kh, kw], strides, dilations, true);
    const names = [this.inNchw(x).name, this.graph.constant(`${node.name}/kernel`, [outChannels, depthwise ? 1 : inChannels, kh, kw], kernel)];

    const fused = fusedOperations(node, attributes, args);
    // TF.js's op mapper reads no leakyrelu_alpha for FusedDepthwiseConv2dNative: its backends
    // disagree on the slope then (0 on wasm, 0.2 on cpu), and no translation matches both.
    if (depthwise && fused.activation === 'leakyrelu') throw new NotTranslatable(`node ${node.name}: TF.js runs ${node.op}'s LeakyRelu without its alpha`);
    if (fused.bias) names.push(this.vector(node, fused.bias, outChannels, 'bias'));
    const convAttributes: Record<string, AttributeValue> = { kernel_shape: [kh, kw], strides, dilations, pads: window.pads };
    if (depthwise) convAttributes.group = inChannels;
    const conv: Computed = {
      kind: 'computed',
      name: this.graph.node('Conv', names, convAttributes, node.name),
      layout: 'nchw',
      shape: [batch, ...window.output, outChannels],
    };
    return this.activation(node, fused.activation, conv, attributes.number('leakyrelu_alpha', 0.2), fused.preluSlope);
  }

  private pooling(node: GraphNodeDef, attributes: NodeAttributes, input: Value): Computed {
    channelsLast(node, attributes);
    const x = this.spatial(node, input);
    const kernel = spatialPair(node, attributes.ints('ksize', [1, 1, 1, 1]), 'ksize');
    const strides = spatialPair(node, attributes.ints('strides', [1, 1, 1, 1]), 'strides');
    const window = windowShape(node, attributes, x.shape, kernel, strides, [1, 1], false);
    // TF's 'SAME' average pooling divides by the values inside the image, ONNX's default.
    const op = node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool';
    const name = this.graph.node(op, [this.inNchw(x).name], { kernel_shape: kernel, strides, pads: window.pads }, node.name);
    return { kind: 'computed', name, layout: 'nchw', shape: [batch, ...window.output, x.shape[3]] };
  }

  private spatial(node: GraphNodeDef, input: Value): Computed {
    const x = this.computed(node, input);
    if (x.shape.length !== 4 || x.shape[0] !== batch) throw new NotTranslatable(`node ${node.name}: ${node.op} over a [${x.shape.join(', ')}] value is not translated`);
    return x;
  }

  // ---- element-wise ----

  private binary(node: GraphNodeDef, op: string, operands: Value[]): Computed {
    const shape = broadcastShape(node, operands.map((value) => value.shape));
    const computed = operands.filter((value): value is Computed => value.kind === 'computed');
    const nchw = shape.length === 4 && computed.length > 0 && computed.every((value) => value.layout === 'nchw');
    const names = operands.map((value) => {
      if (value.kind === 'computed') return (nchw ? value : this.inTf(value)).name;
      return nchw ? this.nchwConstant(node, value) : this.tfConstant(node, value);
    });
    return { kind: 'computed', name: this.graph.node(op, names, {}, node.name), layout: nchw ? 'nchw' : 'tf', shape };
  }

  private activation(node: GraphNodeDef, name: string, x: Computed, alpha: number, slope?: Value): Computed {
    const apply = (op: string, attributes: Record<string, AttributeValue> = {}, extra: string[] = []) => ({
      ...x,
      name: this.graph.node(op, [x.name, ...extra], attributes, `${node.name}/${name}`),
    });
    if (name === 'linear') return x;
    const unary = unaryActivations.get(name);
    if (unary) return apply(unary.op, unary.attributes);
    switch (name) {
      case 'relu6':
        return apply('Clip', {}, [this.scalar(node, 'min', 0), this.scalar(node, 'max', 6)]);
      case 'leakyrelu':
        return apply('LeakyRelu', { alpha: { float: alpha } });
      case 'prelu': {
        if (!slope || slope.kind !== 'constant') throw new NotTranslatable(`node ${node.name}: a PReLU slope that is not a constant is not translated`);
        broadcastShape(node, [x.shape, slope.shape]);
        return apply('PRelu', {}, [x.layout === 'nchw' ? this.nchwConstant(node, slope) : this.tfConstant(node, slope)]);
      }
      default:
        throw new NotTranslatable(`node ${node.name}: activation '${name}' is not translated to ONNX`);
    }
  }

  private batchNormalization(node: GraphNodeDef, attributes: NodeAttributes, inputs: Value[]): Computed {
    channelsLast(node, attributes);
    const [input, ...parameters] = inputs;
    const x = this.computed(node, input);
    if (x.shape.length !== 4 && x.shape.length !== 2) throw new NotTranslatable(`node ${node.name}: batch normalisation of a rank-${x.shape.length} value is not translated`);
    const channels = x.shape[x.shape.length - 1];
    const [scale, offset, mean, variance] = parameters.map((value, i) => this.vector(node, value, channels, ['scale', 'offset', 'mean', 'variance'][i]));
    const value = x.shape.length === 4 ? this.inNchw(x) : x;
    const epsilon = attributes.number('epsilon', 0.001);
    return { ...value, name: this.graph.node('BatchNormalization', [value.name, scale, offset, mean, variance], { epsilon: { float: epsilon } }, node.name) };
  }

  // ---- matrices, shapes, reductions ----

  private matMul(node: GraphNodeDef, attributes: NodeAttributes, inputs: Value[]): Computed {
    if (inputs.length < 2) throw new NotTranslatable(`node ${node.name}: ${node.op} without two operands`);
    const [a, b, ...args] = inputs;
    const x = this.computed(node, a);
    if (x.shape.length !== 2 || attributes.boolean('transpose_a', false)) throw new NotTranslatable(`node ${node.name}: ${node.op} of a [${x.shape.join(', ')}] value${attributes.boolean('transpose_a', false) ? ' transposed' : ''} is not translated`);
    if (b.kind !== 'constant') throw new NotTranslatable(`node ${node.name}: ${node.op} of two computed values is not translated`);
    const weights = this.floatConstant(node, b, 'weights', 2);
    const transposed = attributes.boolean('transpose_b', false);
    const [k, m] = transposed ? [weights.shape[1], weights.shape[0]] : weights.shape;
    if (k !== x.shape[1]) throw new NotTranslatable(`node ${node.name}: [${x.shape.join(', ')}] times [${weights.shape.join(', ')}]`);
    const matrix = transposed ? permute(weights.values, weights.shape, [1, 0]) : Float32Array.from(weights.values);
    const names = [this.inTf(x).name, this.graph.constant(`${node.name}/weights`, [k, m], matrix)];
    const fused = fusedOperations(node, attributes, args);
    if (fused.bias) names.push(this.vector(node, fused.bias, m, 'bias'));
    const product: Computed = { kind: 'computed', name: this.graph.node('Gemm', names, {}, node.name), layout: 'tf', shape: [x.shape[0], m] };
    return this.activation(node, fused.activation, product, attributes.number('leakyrelu_alpha', 0.2), fused.preluSlope);
  }

  private reshape(node: GraphNodeDef, [input, shapeValue]: Value[]): Computed {
    const x = this.computed(node, input);
    const target = this.intList(node, shapeValue, 'shape');
    const perImage = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const rest = target.slice(1);
    // The batch stays the first axis: [-1, d…] with d… the image's size (TF flattens in its own order).
    if (x.shape[0] !== batch || target[0] !== -1 || rest.some((d) => d <= 0) || rest.reduce((a, b) => a * b, 1) !== perImage) {
      throw new NotTranslatable(`node ${node.name}: reshaping [${x.shape.join(', ')}] to [${target.join(', ')}] is not translated`);
    }
    const shape = this.graph.int64Constant(`${node.name}/shape`, target);
    return { kind: 'computed', name: this.graph.node('Reshape', [this.inTf(x).name, shape], {}, node.name), layout: 'tf', shape: [batch, ...rest] };
  }

  private squeeze(node: GraphNodeDef, attributes: NodeAttributes, input: Value): Computed {
    const x = this.computed(node, input);
    const rank = x.shape.length;
    const listed = attributes.has('axis') ? attributes.ints('axis', []) : attributes.ints('squeeze_dims', []);
    const axes = listed.length > 0 ? listed.map((axis) => normaliseAxis(node, axis, rank)) : x.shape.flatMap((d, axis) => (axis > 0 && d === 1 ? [axis] : []));
    if (axes.some((axis) => x.shape[axis] !== 1)) throw new NotTranslatable(`node ${node.name}: squeezing axes [${axes.join(', ')}] of [${x.shape.join(', ')}]`);
    const shape = x.shape.filter((_, axis) => !axes.includes(axis));
    // From NCHW, squeezing H and W leaves [N, C]: TF's order already.
    const spatialOnly = x.layout === 'nchw' && sameSet(axes, [1, 2]);
    const value = spatialOnly ? x : this.inTf(x);
    const onnxAxes = spatialOnly ? [2, 3] : axes;
    const name = this.graph.node('Squeeze', [value.name, this.graph.int64Constant(`${node.name}/axes`, onnxAxes)], {}, node.name);
    return { kind: 'computed', name, layout: 'tf', shape };
  }

  private reduction(node: GraphNodeDef, attributes: NodeAttributes, [input, axesValue]: Value[]): Computed {
    const x = this.computed(node, input);
    const rank = x.shape.length;
    const axes = [...new Set(this.intList(node, axesValue, 'axes').map((axis) => normaliseAxis(node, axis, rank)))].sort();
    const keepDims = attributes.boolean('keep_dims', false);
    const op = node.op === 'Mean' ? 'ReduceMean' : 'ReduceMax';
    const shape = keepDims ? x.shape.map((d, axis) => (axes.includes(axis) ? 1 : d)) : x.shape.filter((_, axis) => !axes.includes(axis));
    // In NCHW: keeping the dimensions keeps the layout; dropping H and W leaves [N, C], TF's order.
    if (x.layout === 'nchw' && (keepDims || sameSet(axes, [1, 2]))) {
      const name = this.graph.node(op, [x.name], { axes: axes.map(nchwAxis), keepdims: keepDims ? 1 : 0 }, node.name);
      return { kind: 'computed', name, layout: keepDims ? 'nchw' : 'tf', shape };
    }
    const name = this.graph.node(op, [this.inTf(x).name], { axes, keepdims: keepDims ? 1 : 0 }, node.name);
    return { kind: 'computed', name, layout: 'tf', shape };
  }

  private pad(node: GraphNodeDef, inputs: Value[]): Computed {
    if (inputs.length !== (node.op === 'Pad' ? 2 : 3)) throw new NotTranslatable(`node ${node.name}: ${node.op} with ${inputs.length} inputs is not translated`);
    const [input, paddingsValue, fillValue] = inputs;
    const x = this.computed(node, input);
    const rank = x.shape.length;
    const paddings = this.intList(node, paddingsValue, 'paddings');
    if (paddings.length !== 2 * rank || paddings.some((p) => p < 0)) throw new NotTranslatable(`node ${node.name}: paddings [${paddings.join(', ')}] for a rank-${rank} value`);
    if (paddings[0] !== 0 || paddings[1] !== 0) throw new NotTranslatable(`node ${node.name}: padding the batch axis is not translated`);
    const before = Array.from({ length: rank }, (_, axis) => paddings[2 * axis]);
    const after = Array.from({ length: rank }, (_, axis) => paddings[2 * axis + 1]);
    const shape = x.shape.map((d, axis) => (axis === 0 ? d : d + before[axis] + after[axis]));
    const value = rank === 4 ? this.inNchw(x) : x;
    const order = value.layout === 'nchw' ? toNchw : [...Array(rank).keys()];
    const pads = this.graph.int64Constant(`${node.name}/pads`, [...order.map((axis) => before[axis]), ...order.map((axis) => after[axis])]);
    const names = [value.name, pads];
    if (fillValue) names.push(this.scalar(node, 'value', this.floatConstant(node, fillValue, 'value', 0).values[0]));
    return { ...value, name: this.graph.node('Pad', names, {}, node.name), shape };
  }

  private concat(node: GraphNodeDef, inputs: Value[]): Computed {
    if (inputs.length < 2) throw new NotTranslatable(`node ${node.name}: ConcatV2 without inputs`);
    const parts = inputs.slice(0, -1);
    const rank = parts[0].shape.length;
    const [axisValue] = this.intList(node, inputs[inputs.length - 1], 'axis');
    const axis = normaliseAxis(node, axisValue, rank);
    if (parts.some((part) => part.shape.length !== rank || part.shape.some((d, i) => i !== axis && d !== parts[0].shape[i]))) {
      throw new NotTranslatable(`node ${node.name}: concatenating [${parts.map((part) => part.shape.join('x')).join('], [')}] on axis ${axis}`);
    }
    const nchw = rank === 4;
    const names = parts.map((part) => {
      if (part.kind === 'constant') return nchw ? this.nchwConstant(node, part) : this.tfConstant(node, part);
      return (nchw ? this.inNchw(part) : this.inTf(part)).name;
    });
    const shape = parts[0].shape.map((d, i) => (i === axis ? parts.reduce((sum, part) => sum + part.shape[i], 0) : d));
    return { kind: 'computed', name: this.graph.node('Concat', names, { axis: nchw ? nchwAxis(axis) : axis }, node.name), layout: nchw ? 'nchw' : 'tf', shape };
  }

  // ---- values, layouts and constants ----

  /** `value` as a computed value: a constant becomes an initialiser in TF's order. */
  private computed(node: GraphNodeDef, value: Value): Computed {
    if (value.kind === 'computed') return value;
    return { kind: 'computed', name: this.tfConstant(node, value), layout: 'tf', shape: value.shape };
  }

  private inNchw(value: Computed): Computed {
    if (value.layout === 'nchw') return value;
    if (value.shape.length !== 4) throw new NotTranslatable(`a spatial node got a rank-${value.shape.length} input`);
    return { ...value, name: this.graph.node('Transpose', [value.name], { perm: toNchw }, 'to_nchw'), layout: 'nchw' };
  }

  private inTf(value: Computed): Computed {
    if (value.layout === 'tf') return value;
    return { ...value, name: this.graph.node('Transpose', [value.name], { perm: toNhwc }, 'to_nhwc'), layout: 'tf' };
  }

  private floatConstant(node: GraphNodeDef, value: Value, role: string, rank: number): Constant {
    if (value.kind !== 'constant' || value.dtype !== 'float32') throw new NotTranslatable(`node ${node.name}: a ${role} that is not a float constant is not translated`);
    if (value.shape.length !== rank) throw new NotTranslatable(`node ${node.name}: a rank-${value.shape.length} ${role}`);
    return value;
  }

  private intList(node: GraphNodeDef, value: Value, role: string): number[] {
    if (value.kind !== 'constant' || value.dtype !== 'int32' || value.shape.length > 2) throw new NotTranslatable(`node ${node.name}: ${role} that are not an integer constant are not translated`);
    return Array.from(value.values);
  }

  /** A constant of `length` values (a bias, batch-norm parameter) as an initialiser [length]. */
  private vector(node: GraphNodeDef, value: Value, length: number, role: string): string {
    const constant = this.floatConstant(node, value, role, 1);
    if (constant.shape[0] !== length) throw new NotTranslatable(`node ${node.name}: a ${role} of ${constant.shape[0]} values for ${length} channels`);
    return this.initializer(constant, 'vector', () => ({ dims: constant.shape, values: Float32Array.from(constant.values) }));
  }

  private tfConstant(node: GraphNodeDef, value: Constant): string {
    if (value.dtype !== 'float32') throw new NotTranslatable(`node ${node.name}: an integer constant used as a value is not translated`);
    return this.initializer(value, 'tf', () => ({ dims: value.shape, values: Float32Array.from(value.values) }));
  }

  /** A constant broadcast against an NCHW value: padded to rank 4 in TF's order, then transposed. */
  private nchwConstant(node: GraphNodeDef, value: Constant): string {
    if (value.dtype !== 'float32' || value.shape.length > 4) throw new NotTranslatable(`node ${node.name}: constant ${value.node} does not broadcast over an image`);
    const shape = [...Array(4 - value.shape.length).fill(1), ...value.shape];
    return this.initializer(value, 'nchw', () => ({ dims: toNchw.map((axis) => shape[axis]), values: permute(value.values, shape, toNchw) }));
  }

  private initializer(value: Constant, layout: string, build: () => { dims: readonly number[]; values: Float32Array }): string {
    const key = `${value.node}|${layout}`;
    let name = this.initializers.get(key);
    if (name === undefined) {
      const { dims, values } = build();
      name = this.graph.constant(value.node, dims, values);
      this.initializers.set(key, name);
    }
    return name;
  }

  private scalar(node: GraphNodeDef, hint: string, value: number): string {
    return this.graph.constant(`${node.name}/${hint}`, [], Float32Array.of(value));
  }
}

interface FusedOperations {
  bias?: Value;
  activation: string;
  preluSlope?: Value;
}

/**
 * The fused_ops of _FusedConv2D, FusedDepthwiseConv2dNative and _FusedMatMul as TF.js runs them:
 * [BiasAdd, activation?] with the bias (and a PReLU's slope) in the extra arguments.
 */
function fusedOperations(node: GraphNodeDef, attributes: NodeAttributes, args: Value[]): FusedOperations {
  if (!node.op.includes('Fused')) {
    if (args.length > 0) throw new NotTranslatable(`node ${node.name}: ${node.op} with ${args.length + 2} inputs is not translated`);
    return { activation: 'linear' };
  }
  const operations = attributes.strings('fused_ops');
  const [extra, activation = 'linear'] = operations;
  if (operations.length === 0) return { activation: 'linear' };
  if (extra !== 'biasadd' || operations.length > 2 || (activation !== 'linear' && !fusedActivations.has(activation))) {
    throw new NotTranslatable(`node ${node.name}: fused operations [${operations.join(', ')}] are not translated`);
  }
  const expected = activation === 'prelu' ? 2 : 1;
  if (args.length !== expected) throw new NotTranslatable(`node ${node.name}: ${args.length} arguments for fused operations [${operations.join(', ')}]`);
  return { bias: args[0], activation, preluSlope: args[1] };
}

function channelsLast(node: GraphNodeDef, attributes: NodeAttributes): void {
  const format = attributes.string('data_format', 'NHWC');
  if (format !== 'NHWC') throw new NotTranslatable(`node ${node.name}: data format ${format} is not translated`);
}

/** The [height, width] entries of a TF [1, h, w, 1] attribute. */
function spatialPair(node: GraphNodeDef, values: number[], name: string): number[] {
  if (values.length !== 4 || values[0] !== 1 || values[3] !== 1 || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new NotTranslatable(`node ${node.name}: ${name} [${values.join(', ')}] are not translated`);
  }
  return [values[1], values[2]];
}

/** A window's output size and ONNX `pads` [top, left, bottom, right] over an NHWC input of known size. */
function windowShape(
  node: GraphNodeDef,
  attributes: NodeAttributes,
  shape: number[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  explicitAllowed: boolean,
): { output: number[]; pads: number[] } {
  const padding = attributes.string('padding', 'VALID');
  const explicit = attributes.ints('explicit_paddings', []);
  const before: number[] = [];
  const after: number[] = [];
  const output: number[] = [];
  for (const axis of [0, 1]) {
    const size = shape[axis + 1];
    const span = (kernel[axis] - 1) * dilations[axis] + 1;
    if (padding === 'SAME') {
      const [start, end] = samePadding(size, kernel[axis], strides[axis], dilations[axis]);
      before.push(start);
      after.push(end);
    } else if (padding === 'VALID') {
      before.push(0);
      after.push(0);
    } else if (padding === 'EXPLICIT' && explicitAllowed && explicit.length === 8) {
      before.push(explicit[2 + 2 * axis]);
      after.push(explicit[3 + 2 * axis]);
    } else {
      throw new NotTranslatable(`node ${node.name}: padding ${padding} is not translated`);
    }
    output.push(Math.floor((size + before[axis] + after[axis] - span) / strides[axis]) + 1);
  }
  if (output.some((d) => d < 1)) throw new NotTranslatable(`node ${node.name}: the window is larger than its [${shape.join(', ')}] input`);
  return { output, pads: [...before, ...after] };
}

/** TF's (NumPy's) broadcast of shapes; the batch (-1) broadcasts only with itself or 1. */
function broadcastShape(node: GraphNodeDef, shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((shape) => shape.length));
  const result: number[] = [];
  for (let i = 0; i < rank; i++) {
    const sizes = shapes.map((shape) => shape[shape.length - rank + i] ?? 1).filter((d) => d !== 1);
    const first = sizes[0] ?? 1;
    if (sizes.some((d) => d !== first)) throw new NotTranslatable(`node ${node.name}: shapes [${shapes.map((shape) => shape.join(', ')).join('] and [')}] do not broadcast`);
    result.push(first);
  }
  return result;
}

function normaliseAxis(node: GraphNodeDef, axis: number, rank: number): number {
  const normalised = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(normalised) || normalised < 1 || normalised >= rank) throw new NotTranslatable(`node ${node.name}: axis ${axis} of a rank-${rank} value is not translated`);
  return normalised;
}

function sameSet(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v) => b.includes(v));
}

/** `values` of row-major `shape` with its axes permuted: output axis i is input axis perm[i]. */
function permute(values: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((axis) => shape[axis]);
  const inStrides = new Array<number>(rank);
  for (let axis = rank - 1, stride = 1; axis >= 0; axis--) {
    inStrides[axis] = stride;
    stride *= shape[axis];
  }
  const strides = perm.map((axis) => inStrides[axis]);
  const result = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let out = 0; out < result.length; out++) {
    let from = 0;
    for (let axis = 0; axis < rank; axis++) from += index[axis] * strides[axis];
    result[out] = values[from];
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++index[axis] < outShape[axis]) break;
      index[axis] = 0;
    }
  }
  return result;
}
