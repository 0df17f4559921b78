/**
 * The in-memory form of an ONNX graph that the compute path works on: what a loader produces
 * (an ONNX file, a TF.js translation), what shape folding rewrites, what autodiff extends and what
 * is serialised for ONNX Runtime. Opset-dependent argument placement (axes as an attribute or an
 * input, …) is normalised on the way in (normalise.ts) and restored on the way out (codec.ts), so
 * every pass reads one form: the attributes named here.
 */

/** ONNX TensorProto.DataType values the compute path reads. */
export const DataType = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  double: 11,
} as const;

/** A constant: floats for float types (float16 and double are widened or narrowed to float32), ints for the rest. */
export type Tensor =
  | { kind: 'float'; dims: number[]; values: Float32Array }
  | { kind: 'int'; dims: number[]; values: number[]; dataType: number };

export type Attribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: Tensor }
  /** A subgraph (If, Loop, Scan): kept only to name the op in an error. */
  | { kind: 'graph' };

export interface Node {
  op: string;
  /** '' for the default ONNX domain. */
  domain: string;
  name: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
}

/** A graph input or output: element type and dims (a string for a symbolic or unknown dimension). */
export interface ValueInfo {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

export interface Graph {
  nodes: Node[];
  initializers: Map<string, Tensor>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /**
   * Known types and shapes of intermediate values, written as the model's value_info. The gradient
   * graph lists its cotangents here with the symbolic batch: ONNX shape inference loses that
   * symbol at a Reshape to -1 or an Expand, and ONNX Runtime keeps an elementwise op in its
   * blocked (NCHWc) layout only when it can prove both operands have the same shape.
   */
  valueInfo?: ValueInfo[];
  /** Version of the default-domain opset the nodes are written for. */
  opset: number;
}

export function floatTensor(dims: readonly number[], values: Float32Array | readonly number[]): Tensor {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`${data.length} values for a tensor of shape [${dims.join(', ')}]`);
  return { kind: 'float', dims: [...dims], values: data };
}

export function int64Tensor(values: readonly number[], dims: readonly number[] = [values.length]): Tensor {
  return { kind: 'int', dims: [...dims], values: [...values], dataType: DataType.int64 };
}

export function intAttribute(node: Node, name: string, fallback: number): number;
export function intAttribute(node: Node, name: string): number | undefined;
export function intAttribute(node: Node, name: string, fallback?: number): number | undefined {
  const attribute = node.attributes[name];
  return attribute?.kind === 'int' ? attribute.value : fallback;
}

export function floatAttribute(node: Node, name: string, fallback: number): number {
  const attribute = node.attributes[name];
  if (attribute?.kind === 'float') return attribute.value;
  if (attribute?.kind === 'int') return attribute.value;
  return fallback;
}

export function intsAttribute(node: Node, name: string): number[] | undefined {
  const attribute = node.attributes[name];
  if (attribute?.kind === 'ints') return attribute.value;
  if (attribute?.kind === 'int') return [attribute.value];
  return undefined;
}

export function stringAttribute(node: Node, name: string, fallback: string): string {
  const attribute = node.attributes[name];
  return attribute?.kind === 'string' ? attribute.value : fallback;
}

/** How a node is named in messages: its op and its name (or first output). */
export function describeNode(node: Node): string {
  return `${node.domain ? `${node.domain}.` : ''}${node.op} node "${node.name || node.outputs[0]}"`;
}

export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
