/**
 * Builds an ONNX model (IR 8, opset 13) in memory: nodes, float initialisers, one float input
 * with a symbolic batch dimension and one output. Field numbers follow onnx.proto.
 */
import { ProtoWriter } from './protobuf';

/** A model (a layer, a node, an option) has no ONNX translation here: the caller keeps it on TF.js. */
export class NotTranslatable extends Error {}

export type AttributeValue = number | readonly number[] | string | { float: number };

interface Node {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Record<string, AttributeValue>;
}

interface Initializer {
  name: string;
  dims: readonly number[];
  values: Float32Array | BigInt64Array;
}

const irVersion = 8;
export const opsetVersion = 13;
const floatType = 1;
const int64Type = 7;
const attributeTypes = { float: 1, int: 2, string: 3, ints: 7 } as const;

export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly used = new Set<string>();

  /** A name no other value of the graph has, from `hint`. */
  unique(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./-]/g, '_') || 'value';
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  constant(hint: string, dims: readonly number[], values: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new Error(`${hint}: ${values.length} values for shape [${dims.join(', ')}]`);
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [...dims], values });
    return name;
  }

  int64Constant(hint: string, values: readonly number[]): string {
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [values.length], values: BigInt64Array.from(values.map((v) => BigInt(v))) });
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  node(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, hint: string = op): string {
    const output = this.unique(hint);
    this.nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  }

  /**
   * The serialised model: `input` is [batch, ...inputShape], `output` names the node output that
   * becomes the graph output [batch, outputCount].
   */
  toBytes(input: { name: string; shape: readonly number[] }, output: { name: string; size: number }): Uint8Array {
    const graphOutput = 'outputs';
    const model = new ProtoWriter();
    model.varint(1, irVersion);
    model.string(2, 'robustness-lens');
    model.message(8, (opset) => opset.string(1, '').varint(2, opsetVersion));
    model.message(7, (graph) => {
      for (const node of this.nodes) graph.message(1, (w) => writeNode(w, node));
      graph.message(1, (w) => writeNode(w, { op: 'Identity', inputs: [output.name], outputs: [graphOutput], attributes: {} }));
      graph.string(2, 'model');
      for (const initializer of this.initializers) graph.message(5, (w) => writeTensor(w, initializer));
      graph.message(11, (w) => writeValueInfo(w, input.name, input.shape));
      graph.message(12, (w) => writeValueInfo(w, graphOutput, [output.size]));
    });
    return model.finish();
  }
}

function writeNode(w: ProtoWriter, node: Node): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.outputs[0]);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes)) w.message(5, (a) => writeAttribute(a, name, value));
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    w.varint(3, value).varint(20, attributeTypes.int);
  } else if (typeof value === 'string') {
    w.string(4, value).varint(20, attributeTypes.string);
  } else if (Array.isArray(value)) {
    w.packedVarints(8, value as readonly number[]).varint(20, attributeTypes.ints);
  } else {
    w.float(2, (value as { float: number }).float).varint(20, attributeTypes.float);
  }
}

function writeTensor(w: ProtoWriter, tensor: Initializer): void {
  w.packedVarints(1, tensor.dims);
  w.varint(2, tensor.values instanceof Float32Array ? floatType : int64Type);
  w.string(8, tensor.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on.
  w.bytes(9, new Uint8Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength));
}

/** A float tensor [batch, ...shape] with a symbolic batch dimension. */
function writeValueInfo(w: ProtoWriter, name: string, shape: readonly number[]): void {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, floatType);
      tensor.message(2, (dims) => {
        dims.message(1, (dim) => dim.string(2, 'batch'));
        for (const size of shape) dims.message(1, (dim) => dim.varint(1, size));
      });
    }),
  );
}
