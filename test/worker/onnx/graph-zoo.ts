// The TF.js graph-model zoo of the ONNX tests: graphs written as tfjs-converter writes them
// (GraphDef nodes with protobuf-JSON attributes, constants in weights.bin), each a set of nodes
// the translator (src/worker/onnx/graph-to-onnx.ts) handles. Odd input sizes make TF's 'SAME'
// padding asymmetric; a flatten Reshape before MatMul checks TF's H·W·C order survives NCHW.
// graph-to-onnx.test.ts compares ONNX Runtime's outputs with TF.js's on every model,
// zoo-gradients.test.ts the input gradients.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphNodeDef } from '../../../src/worker/onnx/graph-def';
import type { GraphModelSource } from '../../../src/worker/onnx/graph-to-onnx';
import { seededValues } from './seeded';

// ---- attribute values in protobuf's JSON mapping, as model.json holds them ----

export const float = { type: 'DT_FLOAT' };
export const text = (value: string) => ({ s: Buffer.from(value).toString('base64') });
export const ints = (...values: number[]) => ({ list: { i: values.map(String) } });
export const texts = (...values: string[]) => ({ list: { s: values.map((value) => Buffer.from(value).toString('base64')) } });
export const nhwc = text('NHWC');

export type Attributes = Record<string, unknown>;

/** A graph model under construction: nodes in model.json, constants in weights.bin. */
export class GraphBuilder {
  private readonly nodes: GraphNodeDef[] = [];
  private readonly weights: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32'; values: number[] | Float32Array }> = [];
  private seed: number;

  constructor(
    readonly inputShape: number[],
    seed: number,
  ) {
    this.seed = seed;
    const dim = [-1, ...inputShape].map((size) => ({ size: String(size) }));
    this.nodes.push({ name: 'image', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim } } } as GraphNodeDef['attr'] });
  }

  /** A float constant with seeded values in [low, high). */
  weight(name: string, shape: number[], low = -0.5, high = 0.5): string {
    const values = seededValues(shape.reduce((a, b) => a * b, 1), this.seed++, low, high);
    return this.constant(name, shape, 'float32', values);
  }

  ints(name: string, values: number[], shape = [values.length]): string {
    return this.constant(name, shape, 'int32', values);
  }

  constant(name: string, shape: number[], dtype: 'float32' | 'int32', values: number[] | Float32Array): string {
    const tfType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.nodes.push({
      name,
      op: 'Const',
      attr: { value: { tensor: { dtype: tfType, tensorShape: { dim: shape.map((size) => ({ size: String(size) })) } } }, dtype: { type: tfType } } as GraphNodeDef['attr'],
    });
    this.weights.push({ name, shape, dtype, values });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Attributes = {}): string {
    this.nodes.push({ name, op, input, attr: { T: float, ...attr } as GraphNodeDef['attr'] });
    return name;
  }

  /** The nodes, ending in an Identity of the last node added: the output, as the converter writes it. */
  graph(): GraphNodeDef[] {
    return [...this.nodes, { name: 'Identity', op: 'Identity', input: [this.nodes[this.nodes.length - 1].name], attr: { T: float } }];
  }

  /** The graph as the translator sees it, without TF.js (for graphs TF.js itself refuses to run). */
  source(): GraphModelSource {
    const weights = new Map(this.weights.map((weight) => [weight.name, weight]));
    return { nodes: this.graph(), inputNode: 'image', inputShape: this.inputShape, outputNode: 'Identity', constant: (name) => weights.get(name) };
  }

  /** model.json + weights.bin in <folder>/<name>; returns the model.json path. */
  write(folder: string, name: string): string {
    const dir = join(folder, name);
    mkdirSync(dir, { recursive: true });
    const json = {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0 (written by the test)',
      modelTopology: { node: this.graph(), library: {}, versions: { producer: 1482 } },
      weightsManifest: [{ paths: ['weights.bin'], weights: this.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
    };
    const buffers = this.weights.map(({ dtype, values }) => Buffer.from((dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values)).buffer));
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat(buffers));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return join(dir, 'model.json');
  }
}

// ---- node builders in the converter's shapes ----

export const window = (strides: number, padding = 'SAME') => ({ strides: ints(1, strides, strides, 1), padding: text(padding), data_format: nhwc });
export const conv = (g: GraphBuilder, name: string, x: string, kernel: number[], options: { strides?: number; padding?: string; dilations?: number; explicit?: number[] } = {}) =>
  g.op(name, 'Conv2D', [x, g.weight(`${name}/filter`, kernel)], {
    ...window(options.strides ?? 1, options.padding),
    dilations: ints(1, options.dilations ?? 1, options.dilations ?? 1, 1),
    explicit_paddings: ints(...(options.explicit ?? [])),
    use_cudnn_on_gpu: { b: true },
  });
export const biasAdd = (g: GraphBuilder, name: string, x: string, channels: number) => g.op(name, 'BiasAdd', [x, g.weight(`${name}/bias`, [channels])], { data_format: nhwc });
export const matMul = (g: GraphBuilder, name: string, x: string, shape: number[], transposeB = false) =>
  g.op(name, 'MatMul', [x, g.weight(`${name}/weights`, shape)], { transpose_a: { b: false }, transpose_b: { b: transposeB } });
export const mean = (g: GraphBuilder, name: string, x: string, axes: number[], keepDims: boolean) =>
  g.op(name, 'Mean', [x, g.ints(`${name}/axes`, axes)], { keep_dims: { b: keepDims }, Tidx: { type: 'DT_INT32' } });
export const flatten = (g: GraphBuilder, name: string, x: string, size: number) => g.op(name, 'Reshape', [x, g.ints(`${name}/shape`, [-1, size])], { Tshape: { type: 'DT_INT32' } });
export const batchNorm = (g: GraphBuilder, name: string, x: string, channels: number) =>
  g.op(
    name,
    'FusedBatchNormV3',
    [x, g.weight(`${name}/gamma`, [channels], 0.5, 1.5), g.weight(`${name}/beta`, [channels]), g.weight(`${name}/mean`, [channels]), g.weight(`${name}/variance`, [channels], 0.2, 2)],
    { U: float, epsilon: { f: 0.001 }, data_format: nhwc, is_training: { b: false }, exponential_avg_factor: { f: 1 } },
  );
export const fusedConv = (g: GraphBuilder, name: string, x: string, kernel: number[], ops: string[], options: { strides?: number; dilations?: number; alpha?: number; depthwise?: boolean } = {}) => {
  const channels = options.depthwise ? kernel[2] * kernel[3] : kernel[3];
  const args = [g.weight(`${name}/bias`, [channels])];
  if (ops.includes('Prelu')) args.push(g.weight(`${name}/alpha`, [channels], 0, 0.5));
  return g.op(name, options.depthwise ? 'FusedDepthwiseConv2dNative' : '_FusedConv2D', [x, g.weight(`${name}/filter`, kernel), ...args], {
    ...window(options.strides ?? 1),
    dilations: ints(1, options.dilations ?? 1, options.dilations ?? 1, 1),
    fused_ops: texts(...ops),
    num_args: { i: String(args.length) },
    epsilon: { f: 0 },
    leakyrelu_alpha: { f: options.alpha ?? 0.2 },
    explicit_paddings: ints(),
  });
};
export const fusedMatMul = (g: GraphBuilder, name: string, x: string, shape: number[], ops: string[], alpha = 0.2) => {
  const args = [g.weight(`${name}/bias`, [shape[1]])];
  if (ops.includes('Prelu')) args.push(g.weight(`${name}/alpha`, [shape[1]], 0, 0.5));
  return g.op(name, '_FusedMatMul', [x, g.weight(`${name}/weights`, shape), ...args], {
    transpose_a: { b: false },
    transpose_b: { b: false },
    fused_ops: texts(...ops),
    num_args: { i: String(args.length) },
    epsilon: { f: 0 },
    leakyrelu_alpha: { f: alpha },
  });
};

export interface GraphCase {
  name: string;
  /** The model's folder name; its length seeds the inputs. */
  id: string;
  build: () => GraphBuilder;
  /** Input range (default [−1, 1]). */
  range?: [number, number];
}

export const graphZoo: readonly GraphCase[] = [
  {
    name: 'a converted CNN: Conv2D+BiasAdd+Relu stride 2, MaxPool, depthwise, FusedBatchNormV3, Relu6, GAP, MatMul+BiasAdd, Softmax',
    build: () => {
      const g = new GraphBuilder([9, 9, 3], 1);
      let x = conv(g, 'conv', 'image', [3, 3, 3, 4], { strides: 2 }); // 9 → 5, 'SAME' pads 1 before, 1 after
      x = g.op('conv/relu', 'Relu', [biasAdd(g, 'conv/bias_add', x, 4)]);
      x = g.op('pool', 'MaxPool', [x], { ksize: ints(1, 2, 2, 1), ...window(2) }); // 5 → 3, the odd pixel padded at the end
      x = g.op('depthwise', 'DepthwiseConv2dNative', [x, g.weight('depthwise/filter', [3, 3, 4, 2])], { ...window(1), dilations: ints(1, 1, 1, 1), explicit_paddings: ints() });
      x = g.op('depthwise/relu6', 'Relu6', [batchNorm(g, 'norm', x, 8)]);
      x = mean(g, 'gap', x, [1, 2], false);
      x = biasAdd(g, 'dense/bias_add', matMul(g, 'dense', x, [8, 5]), 5);
      g.op('softmax', 'Softmax', [x]);
      return g;
    },
    id: 'cnn',
    range: [0, 1],
  },
  {
    name: 'fused ops: _FusedConv2D [BiasAdd, Relu] dilated, FusedDepthwiseConv2dNative stride 2, AvgPool, flatten, _FusedMatMul, Sigmoid',
    build: () => {
      const g = new GraphBuilder([7, 7, 1], 2);
      let x = fusedConv(g, 'conv', 'image', [3, 3, 1, 3], ['BiasAdd', 'Relu'], { dilations: 2 });
      x = fusedConv(g, 'depthwise', x, [3, 3, 3, 1], ['BiasAdd', 'Relu6'], { strides: 2, depthwise: true }); // 7 → 4
      x = g.op('pool', 'AvgPool', [x], { ksize: ints(1, 3, 3, 1), ...window(1) }); // 'SAME' averages only the pixels inside
      x = flatten(g, 'flatten', x, 4 * 4 * 3);
      x = fusedMatMul(g, 'hidden', x, [48, 6], ['BiasAdd', 'Elu']);
      x = biasAdd(g, 'out/bias_add', matMul(g, 'out', x, [1, 6], true), 1);
      g.op('sigmoid', 'Sigmoid', [x]);
      return g;
    },
    id: 'fused',
    range: [0, 1],
  },
  {
    name: 'the hand-written graph model of model.test.ts: Reshape → MatMul → BiasAdd → Softmax on 2x2x1',
    build: () => {
      const g = new GraphBuilder([2, 2, 1], 3);
      const x = biasAdd(g, 'logits', matMul(g, 'product', flatten(g, 'flat', 'image', 4), [4, 3]), 3);
      g.op('probabilities', 'Softmax', [x]);
      return g;
    },
    id: 'hand-written',
  },
  ...(['Relu', 'Relu6', 'Elu', 'Sigmoid', 'LeakyRelu', 'Prelu'] as const).map((activation) => ({
    name: `fused ${activation} in _FusedConv2D, FusedDepthwiseConv2dNative and _FusedMatMul`,
    id: `fused-${activation}`,
    range: [-3, 3] as [number, number],
    build: () => {
      const g = new GraphBuilder([5, 5, 3], 4);
      let x = fusedConv(g, 'conv', 'image', [3, 3, 3, 2], ['BiasAdd', activation], { alpha: 0.1 });
      // TF.js reads no alpha for a depthwise LeakyRelu (refused in graph-to-onnx.test.ts).
      const depthwiseActivation = activation === 'LeakyRelu' ? 'Relu' : activation;
      x = fusedConv(g, 'depthwise', x, [3, 3, 2, 2], ['BiasAdd', depthwiseActivation], { depthwise: true });
      x = flatten(g, 'flatten', x, 5 * 5 * 4);
      fusedMatMul(g, 'dense', x, [100, 4], ['BiasAdd', activation], 0.05);
      return g;
    },
  })),
  {
    name: 'activation nodes: Relu, Relu6, Elu, Selu, Sigmoid, Tanh, LeakyRelu, Prelu between spatial nodes',
    build: () => {
      const g = new GraphBuilder([6, 5, 3], 5);
      let x = conv(g, 'conv', 'image', [2, 2, 3, 4]);
      x = g.op('relu', 'Relu', [x]);
      x = g.op('relu6', 'Relu6', [g.op('scaled', 'Mul', [x, g.weight('scale', [], 4, 5)])]);
      x = g.op('elu', 'Elu', [g.op('shifted', 'Sub', [x, g.weight('shift', [4], 2, 4)])]);
      x = g.op('selu', 'Selu', [x]);
      x = g.op('leaky', 'LeakyRelu', [x], { alpha: { f: 0.15 } });
      x = g.op('prelu', 'Prelu', [x, g.weight('prelu/alpha', [4], 0, 0.5)]);
      x = g.op('tanh', 'Tanh', [x]);
      x = g.op('sigmoid', 'Sigmoid', [x]);
      x = flatten(g, 'flatten', x, 6 * 5 * 4);
      matMul(g, 'dense', x, [120, 3]);
      return g;
    },
    id: 'activations',
    range: [-2, 2],
  },
  {
    name: 'explicit padding, Pad, ConcatV2 of branches, Add/AddV2/RealDiv/Maximum, Mean keep_dims + Squeeze, global Max',
    build: () => {
      const g = new GraphBuilder([7, 8, 3], 6);
      const padded = g.op('pad', 'Pad', ['image', g.ints('pad/paddings', [0, 0, 1, 2, 2, 1, 0, 0], [4, 2])], { Tpaddings: { type: 'DT_INT32' } });
      const left = conv(g, 'left', padded, [3, 3, 3, 2], { padding: 'VALID', strides: 2 }); // 10x11 → 4x5
      const right = conv(g, 'right', 'image', [3, 3, 3, 3], { padding: 'EXPLICIT', explicit: [0, 0, 0, 1, 1, 0, 0, 0], strides: 2 }); // 7x8 → 3x4
      const rightPadded = g.op('right/pad', 'PadV2', [right, g.ints('right/paddings', [0, 0, 1, 0, 0, 1, 0, 0], [4, 2]), g.weight('right/fill', [], 0.25, 0.5)]);
      let x = g.op('concat', 'ConcatV2', [left, rightPadded, g.ints('concat/axis', [-1], [])], { N: { i: '2' }, Tidx: { type: 'DT_INT32' } });
      x = g.op('add', 'AddV2', [x, g.op('scaled', 'RealDiv', [x, g.weight('divisor', [1, 1, 5], 1, 2)])]);
      x = g.op('floor', 'Maximum', [x, g.weight('floor/value', [], -0.1, 0)]);
      const averaged = g.op('squeeze', 'Squeeze', [mean(g, 'gap', x, [1, 2], true)], { squeeze_dims: ints(1, 2) });
      const maximum = g.op('gmp', 'Max', [x, g.ints('gmp/axes', [2, 1])], { keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } });
      x = g.op('both', 'Add', [averaged, maximum]);
      matMul(g, 'dense', x, [5, 4]);
      return g;
    },
    id: 'branches',
  },
  {
    name: 'TF\'s axis order survives NCHW: a [h, w, c] mask, a mean over one spatial axis, Squeeze of one axis, flatten',
    build: () => {
      const g = new GraphBuilder([5, 4, 3], 7);
      let x = conv(g, 'conv', 'image', [3, 3, 3, 2]);
      x = g.op('masked', 'Mul', [x, g.weight('mask', [5, 4, 2], 0, 2)]);
      const dropped = flatten(g, 'dropped/flatten', mean(g, 'dropped', x, [2], false), 10); // [batch, 5, 2]
      const squeezed = g.op('kept/squeeze', 'Squeeze', [mean(g, 'kept', x, [-2], true)], { squeeze_dims: ints(2) });
      x = g.op('sum', 'AddV2', [dropped, flatten(g, 'kept/flatten', g.op('kept/scaled', 'Mul', [squeezed, g.weight('kept/scale', [2], 1, 2)]), 10)]);
      matMul(g, 'dense', x, [10, 3]);
      return g;
    },
    id: 'one-axis',
  },
];
