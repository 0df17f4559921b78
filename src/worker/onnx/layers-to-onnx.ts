/**
 * Translates a TF.js layers model (channels-last, as Keras saves it) into an ONNX graph that
 * computes the same outputs, for ONNX Runtime's CPU kernels. Spatial layers run in ONNX's NCHW:
 * a value is transposed only where a layer needs the other layout (Flatten and Reshape keep
 * Keras's H·W·C order). A layer it does not know throws NotTranslatable, and the caller keeps
 * the model on TF.js.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { NotTranslatable, OnnxGraph, type AttributeValue } from './onnx-graph';
import { nchwAxis, samePadding, toNchw, toNhwc, unaryActivations } from './tf-conventions';


/** A value of the graph: `nchw` holds a 4-D Keras NHWC value transposed to NCHW. */
interface Value {
  name: string;
  layout: 'keras' | 'nchw';
  rank: number;
}

type Config = Record<string, unknown>;

const identityLayers = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);
const mergeOps: Record<string, string> = { Add: 'Add', Multiply: 'Mul', Subtract: 'Sub', Maximum: 'Max', Minimum: 'Min' };

export function layersModelToOnnx(model: LayersModel): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new NotTranslatable('one input and one output are expected');
  const inputShape = model.inputs[0].shape.slice(1);
  if (inputShape.some((d) => d === null)) throw new NotTranslatable('the input shape is not fully known');
  const graph = new OnnxGraph();
  const values = new Map<number, Value>();
  const inputName = graph.unique('images');
  values.set(model.inputs[0].id, { name: inputName, layout: 'keras', rank: inputShape.length + 1 });

  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1) throw new NotTranslatable(`layer ${layer.name} is used ${layer.inboundNodes.length} times`);
    const inputs = layer.inboundNodes[0].inputTensors.map((tensor) => {
      const value = values.get(tensor.id);
      if (!value) throw new NotTranslatable(`layer ${layer.name}: an input comes from outside the model`);
      return value;
    });
    const output = layer.inboundNodes[0].outputTensors;
    if (output.length !== 1) throw new NotTranslatable(`layer ${layer.name} has ${output.length} outputs`);
    values.set(output[0].id, convertLayer(graph, layer, inputs, output[0]));
  }

  const result = values.get(model.outputs[0].id);
  const outputShape = model.outputs[0].shape;
  if (!result || outputShape.length !== 2 || outputShape[1] === null) throw new NotTranslatable('the output is not [batch, classes]');
  const output = inKerasLayout(graph, result);
  return graph.toBytes({ name: inputName, shape: inputShape as number[] }, { name: output.name, size: outputShape[1] });
}

function convertLayer(graph: OnnxGraph, layer: Layer, inputs: Value[], output: SymbolicTensor): Value {
  const className = layer.getClassName();
  const config = layer.getConfig() as Config;
  const [input] = inputs;
  const single = () => {
    if (inputs.length !== 1) throw new NotTranslatable(`layer ${layer.name} (${className}) takes ${inputs.length} inputs`);
    return input;
  };
  const weights = () => layer.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync() as Float32Array }));
  if (identityLayers.has(className)) return single();
  switch (className) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
      return convolution(graph, layer, className, config, single(), weights());
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return pooling(graph, layer, className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', config, single());
    case 'GlobalMaxPooling2D':
    case 'GlobalAveragePooling2D': {
      channelsLast(layer, config);
      if (config.keepDims === true) throw new NotTranslatable(`layer ${layer.name}: keepDims is not supported`);
      const pooled = graph.node(className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [inNchw(graph, single()).name], {}, layer.name);
      return { name: graph.node('Flatten', [pooled], { axis: 1 }, layer.name), layout: 'keras', rank: 2 };
    }
    case 'Flatten':
      return { name: graph.node('Flatten', [inKerasLayout(graph, single()).name], { axis: 1 }, layer.name), layout: 'keras', rank: 2 };
    case 'Reshape': {
      const target = (config.targetShape as number[]).map((d) => (d === null ? -1 : d));
      const shape = graph.int64Constant(`${layer.name}/shape`, [0, ...target]);
      return { name: graph.node('Reshape', [inKerasLayout(graph, single()).name, shape], {}, layer.name), layout: 'keras', rank: target.length + 1 };
    }
    case 'Dense':
      return dense(graph, layer, config, single(), weights());
    case 'Activation':
      return activation(graph, layer, String(config.activation), single());
    case 'ReLU': {
      const maxValue = config.maxValue as number | null | undefined;
      if (maxValue === null || maxValue === undefined) return activation(graph, layer, 'relu', single());
      return { ...single(), name: graph.node('Clip', [single().name, scalar(graph, layer, 'min', 0), scalar(graph, layer, 'max', maxValue)], {}, layer.name) };
    }
    case 'LeakyReLU':
      return { ...single(), name: graph.node('LeakyRelu', [single().name], { alpha: { float: Number(config.alpha ?? 0.3) } }, layer.name) };
    case 'ELU':
      return { ...single(), name: graph.node('Elu', [single().name], { alpha: { float: Number(config.alpha ?? 1) } }, layer.name) };
    case 'Softmax':
      return softmax(graph, layer, single(), Number(config.axis ?? -1));
    case 'BatchNormalization':
      return batchNormalization(graph, layer, config, single(), weights());
    case 'ZeroPadding2D': {
      channelsLast(layer, config);
      const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
      const pads = graph.int64Constant(`${layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
      return { name: graph.node('Pad', [inNchw(graph, single()).name, pads], {}, layer.name), layout: 'nchw', rank: 4 };
    }
    case 'Concatenate': {
      const rank = input.rank;
      const layout = rank === 4 ? 'nchw' : 'keras';
      const names = inputs.map((value) => (layout === 'nchw' ? inNchw(graph, value) : inKerasLayout(graph, value)).name);
      const axis = normaliseAxis(Number(config.axis ?? -1), rank, layer);
      return { name: graph.node('Concat', names, { axis: layout === 'nchw' ? nchwAxis(axis) : axis }, layer.name), layout, rank };
    }
    case 'Average': {
      const sum = merge(graph, layer, 'Sum', inputs);
      const count = scalar(graph, layer, 'count', inputs.length);
      return { ...sum, name: graph.node('Div', [sum.name, count], {}, layer.name) };
    }
    default:
      if (className in mergeOps) return merge(graph, layer, mergeOps[className], inputs);
      void output;
      throw new NotTranslatable(`layer ${layer.name}: ${className} is not translated to ONNX`);
  }
}

function convolution(
  graph: OnnxGraph,
  layer: Layer,
  className: string,
  config: Config,
  input: Value,
  weights: { shape: number[]; values: Float32Array }[],
): Value {
  channelsLast(layer, config);
  const [kernel, bias] = weights;
  const [kh, kw, inChannels, outPerGroup] = kernel.shape;
  const depthwise = className === 'DepthwiseConv2D';
  // Conv2D: HWIO → OIHW. DepthwiseConv2D: [h, w, C, m] → [C·m, 1, h, w], one group per channel.
  const outChannels = depthwise ? inChannels * outPerGroup : outPerGroup;
  const oihw = new Float32Array(kernel.values.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < inChannels; i++) {
        for (let o = 0; o < outPerGroup; o++) {
          const from = ((y * kw + x) * inChannels + i) * outPerGroup + o;
          const to = depthwise ? ((i * outPerGroup + o) * kh + y) * kw + x : ((o * inChannels + i) * kh + y) * kw + x;
          oihw[to] = kernel.values[from];
        }
      }
    }
  }
  const names = [inNchw(graph, input).name, graph.constant(`${layer.name}/kernel`, [outChannels, depthwise ? 1 : inChannels, kh, kw], oihw)];
  if (config.useBias !== false && bias) names.push(graph.constant(`${layer.name}/bias`, [outChannels], bias.values));
  const strides = pair(config.strides ?? 1);
  const dilations = pair(config.dilationRate ?? 1);
  // TF.js's DepthwiseConv2D layer runs without its dilation rate (tfjs-layers 4.x): a dilated
  // translation would not compute what the audit's gradients see.
  if (depthwise && dilations.some((d) => d !== 1)) throw new NotTranslatable(`layer ${layer.name}: TF.js runs DepthwiseConv2D without its dilation rate`);
  const attributes: Record<string, AttributeValue> = {
    kernel_shape: [kh, kw],
    strides,
    dilations,
    pads: pads(layer, config.padding, [kh, kw], strides, dilations),
  };
  if (depthwise) attributes.group = inChannels;
  const conv = graph.node('Conv', names, attributes, layer.name);
  return activation(graph, layer, String(config.activation ?? 'linear'), { name: conv, layout: 'nchw', rank: 4 });
}

function pooling(graph: OnnxGraph, layer: Layer, op: string, config: Config, input: Value): Value {
  channelsLast(layer, config);
  const kernel = pair(config.poolSize ?? 2);
  const strides = pair(config.strides ?? kernel);
  const attributes: Record<string, AttributeValue> = {
    kernel_shape: kernel,
    strides,
    pads: pads(layer, config.padding, kernel, strides, [1, 1]),
  };
  // TF's 'same' average pooling divides by the values inside the image, ONNX's default.
  return { name: graph.node(op, [inNchw(graph, input).name], attributes, layer.name), layout: 'nchw', rank: 4 };
}

function dense(graph: OnnxGraph, layer: Layer, config: Config, input: Value, weights: { shape: number[]; values: Float32Array }[]): Value {
  const [kernel, bias] = weights;
  const keras = inKerasLayout(graph, input);
  const kernelName = graph.constant(`${layer.name}/kernel`, kernel.shape, kernel.values);
  const hasBias = config.useBias !== false && bias !== undefined;
  let name: string;
  if (keras.rank === 2) {
    const inputs = [keras.name, kernelName];
    if (hasBias) inputs.push(graph.constant(`${layer.name}/bias`, [kernel.shape[1]], bias.values));
    name = graph.node('Gemm', inputs, {}, layer.name);
  } else {
    name = graph.node('MatMul', [keras.name, kernelName], {}, layer.name);
    if (hasBias) name = graph.node('Add', [name, graph.constant(`${layer.name}/bias`, [kernel.shape[1]], bias.values)], {}, layer.name);
  }
  return activation(graph, layer, String(config.activation ?? 'linear'), { name, layout: 'keras', rank: keras.rank });
}

function batchNormalization(graph: OnnxGraph, layer: Layer, config: Config, input: Value, weights: { shape: number[]; values: Float32Array }[]): Value {
  const axis = normaliseAxis(Number(config.axis ?? -1), input.rank, layer);
  if (axis !== input.rank - 1) throw new NotTranslatable(`layer ${layer.name}: batch normalisation over axis ${axis} is not translated`);
  const list = [...weights];
  const channels = list[list.length - 1].shape[0];
  const gamma = config.scale === false ? new Float32Array(channels).fill(1) : list.shift()!.values;
  const beta = config.center === false ? new Float32Array(channels) : list.shift()!.values;
  const [mean, variance] = list.map((w) => w.values);
  const epsilon = Number(config.epsilon ?? 1e-3);
  if (input.rank !== 2 && input.rank !== 4) {
    // ONNX normalises axis 1: over Keras's last axis of another rank, x·scale + shift broadcasts.
    const scale = gamma.map((g, c) => g / Math.sqrt(variance[c] + epsilon));
    const shift = beta.map((b, c) => b - mean[c] * scale[c]);
    const keras = inKerasLayout(graph, input);
    const scaled = graph.node('Mul', [keras.name, graph.constant(`${layer.name}/scale`, [channels], scale)], {}, layer.name);
    return { ...keras, name: graph.node('Add', [scaled, graph.constant(`${layer.name}/shift`, [channels], shift)], {}, layer.name) };
  }
  const value = input.rank === 4 ? inNchw(graph, input) : inKerasLayout(graph, input);
  const names = [
    value.name,
    graph.constant(`${layer.name}/gamma`, [channels], gamma),
    graph.constant(`${layer.name}/beta`, [channels], beta),
    graph.constant(`${layer.name}/mean`, [channels], mean),
    graph.constant(`${layer.name}/variance`, [channels], variance),
  ];
  return { ...value, name: graph.node('BatchNormalization', names, { epsilon: { float: epsilon } }, layer.name) };
}

function activation(graph: OnnxGraph, layer: Layer, name: string, input: Value): Value {
  if (name === 'linear') return input;
  const unary = unaryActivations.get(name);
  if (unary) return { ...input, name: graph.node(unary.op, [input.name], unary.attributes, `${layer.name}/${name}`) };
  switch (name) {
    case 'relu6':
      return { ...input, name: graph.node('Clip', [input.name, scalar(graph, layer, 'min', 0), scalar(graph, layer, 'max', 6)], {}, layer.name) };
    case 'softmax':
      return softmax(graph, layer, input, -1);
    default:
      throw new NotTranslatable(`layer ${layer.name}: activation '${name}' is not translated to ONNX`);
  }
}

function softmax(graph: OnnxGraph, layer: Layer, input: Value, kerasAxis: number): Value {
  const axis = normaliseAxis(kerasAxis, input.rank, layer);
  const onnxAxis = input.layout === 'nchw' ? nchwAxis(axis) : axis;
  return { ...input, name: graph.node('Softmax', [input.name], { axis: onnxAxis }, `${layer.name}/softmax`) };
}

function merge(graph: OnnxGraph, layer: Layer, op: string, inputs: Value[]): Value {
  const allNchw = inputs.every((value) => value.layout === 'nchw');
  const layout = allNchw ? 'nchw' : 'keras';
  const names = inputs.map((value) => (layout === 'nchw' ? value : inKerasLayout(graph, value)).name);
  let name = names[0];
  // Sum takes any number of inputs; the binary ops are chained.
  if (op === 'Sum') name = graph.node('Sum', names, {}, layer.name);
  else for (const next of names.slice(1)) name = graph.node(op, [name, next], {}, layer.name);
  return { name, layout, rank: inputs[0].rank };
}

function inNchw(graph: OnnxGraph, value: Value): Value {
  if (value.rank !== 4) throw new NotTranslatable(`a spatial layer got a rank-${value.rank} input`);
  if (value.layout === 'nchw') return value;
  return { name: graph.node('Transpose', [value.name], { perm: toNchw }, 'to_nchw'), layout: 'nchw', rank: 4 };
}

function inKerasLayout(graph: OnnxGraph, value: Value): Value {
  if (value.layout === 'keras') return value;
  return { name: graph.node('Transpose', [value.name], { perm: toNhwc }, 'to_nhwc'), layout: 'keras', rank: 4 };
}

function scalar(graph: OnnxGraph, layer: Layer, hint: string, value: number): string {
  return graph.constant(`${layer.name}/${hint}`, [], Float32Array.of(value));
}

function channelsLast(layer: Layer, config: Config): void {
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
    throw new NotTranslatable(`layer ${layer.name}: data format ${String(config.dataFormat)} is not translated`);
  }
}

/** ONNX `pads` [top, left, bottom, right] for a window over the layer's (fully known) input. */
function pads(layer: Layer, padding: unknown, kernel: number[], strides: number[], dilations: number[]): number[] {
  if (padding === 'valid' || padding === undefined) return [0, 0, 0, 0];
  if (padding !== 'same') throw new NotTranslatable(`layer ${layer.name}: padding '${String(padding)}' is not translated`);
  const shape = layer.inboundNodes[0].inputTensors[0].shape;
  const before: number[] = [];
  const after: number[] = [];
  for (const axis of [0, 1]) {
    const size = shape[axis + 1];
    if (size === null) throw new NotTranslatable(`layer ${layer.name}: 'same' padding over an input of unknown size`);
    const [start, end] = samePadding(size, kernel[axis], strides[axis], dilations[axis]);
    before.push(start);
    after.push(end);
  }
  return [...before, ...after];
}

function pair(value: unknown): number[] {
  const list = Array.isArray(value) ? (value as number[]) : [Number(value), Number(value)];
  return list.length === 1 ? [list[0], list[0]] : list;
}

function normaliseAxis(axis: number, rank: number, layer: Layer): number {
  const normalised = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(normalised) || normalised < 1 || normalised >= rank) throw new NotTranslatable(`layer ${layer.name}: axis ${axis} is not translated`);
  return normalised;
}
