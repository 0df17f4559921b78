/**
 * ONNX protobuf bytes ⇄ the compute path's Graph (ir.ts), with protobufjs over the schema in
 * onnx-schema.ts. Decoding reads initialisers stored inline or in external-data files; encoding
 * writes the canonical attributes back in the form the graph's opset expects (axes as an input
 * from opset 13 for Squeeze/Unsqueeze/ReduceSum/Split, from 18 for the other reductions).
 */
import protobuf from 'protobufjs';
import { onnxProto } from './onnx-schema';
import { DataType, type Attribute, type Graph, type Node, type Tensor, type ValueInfo } from './ir';

/** A model the tool cannot read: the message names the problem, the caller adds the file. */
export class OnnxFormatError extends Error {}

const root = protobuf.parse(onnxProto, { keepCase: true }).root;
const ModelProto = root.lookupType('onnx.ModelProto');

type Long = { toNumber(): number };
type Int = number | Long | undefined | null;
const toNumber = (value: Int): number => (value === undefined || value === null ? 0 : typeof value === 'number' ? value : value.toNumber());

interface TensorMessage {
  dims?: Int[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: Int[];
  double_data?: number[];
  uint64_data?: Int[];
  name?: string;
  raw_data?: Uint8Array;
  external_data?: { key?: string; value?: string }[];
  data_location?: number;
}

interface AttributeMessage {
  name?: string;
  type?: number;
  f?: number;
  i?: Int;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: Int[];
  strings?: Uint8Array[];
  g?: unknown;
  graphs?: unknown[];
}

interface ValueInfoMessage {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: Int; dim_param?: string }[] } } };
}

interface ModelMessage {
  ir_version?: Int;
  opset_import?: { domain?: string; version?: Int }[];
  graph?: {
    node?: { input?: string[]; output?: string[]; name?: string; op_type?: string; domain?: string; attribute?: AttributeMessage[] }[];
    initializer?: TensorMessage[];
    input?: ValueInfoMessage[];
    output?: ValueInfoMessage[];
  };
}

/** Reads `length` bytes (all to the end when undefined) at `offset` of an external-data file named relative to the model. */
export type ExternalDataReader = (location: string, offset: number, length: number | undefined) => Uint8Array;

const noExternalData: ExternalDataReader = (location) => {
  throw new OnnxFormatError(`its weights are in an external-data file (${location}) that was not given`);
};

export function decodeModel(bytes: Uint8Array, readExternal: ExternalDataReader = noExternalData): Graph {
  let message: ModelMessage;
  try {
    message = ModelProto.toObject(ModelProto.decode(bytes), { defaults: false, arrays: true }) as ModelMessage;
  } catch (error) {
    throw new OnnxFormatError(`not an ONNX model, or a truncated one (protobuf: ${error instanceof Error ? error.message : String(error)})`);
  }
  const graph = message.graph;
  if (!graph || !graph.node || graph.node.length === 0 || !message.opset_import) {
    throw new OnnxFormatError('not an ONNX model (no graph with nodes and opset)');
  }
  const opset = message.opset_import.find((entry) => (entry.domain ?? '') === '' || entry.domain === 'ai.onnx');
  const initializers = new Map<string, Tensor>();
  for (const tensor of graph.initializer ?? []) initializers.set(tensor.name ?? '', decodeTensor(tensor, readExternal));
  return {
    nodes: graph.node.map(
      (node): Node => ({
        op: node.op_type ?? '',
        domain: node.domain === 'ai.onnx' ? '' : (node.domain ?? ''),
        name: node.name ?? '',
        inputs: node.input ?? [],
        outputs: node.output ?? [],
        attributes: Object.fromEntries((node.attribute ?? []).map((a) => [a.name ?? '', decodeAttribute(a, readExternal)])),
      }),
    ),
    initializers,
    inputs: (graph.input ?? []).map(decodeValueInfo).filter((info) => !initializers.has(info.name)),
    outputs: (graph.output ?? []).map(decodeValueInfo),
    opset: opset ? toNumber(opset.version) : 1,
  };
}

function decodeValueInfo(info: ValueInfoMessage): ValueInfo {
  const tensor = info.type?.tensor_type;
  return {
    name: info.name ?? '',
    elemType: tensor?.elem_type ?? 0,
    dims: (tensor?.shape?.dim ?? []).map((dim) => (dim.dim_value !== undefined && dim.dim_value !== null && toNumber(dim.dim_value) > 0 ? toNumber(dim.dim_value) : (dim.dim_param ?? '?'))),
  };
}

const attributeTypes = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, graphs: 10 } as const;
const text = new TextDecoder();

function decodeAttribute(attribute: AttributeMessage, readExternal: ExternalDataReader): Attribute {
  switch (attribute.type) {
    case attributeTypes.float:
      return { kind: 'float', value: attribute.f ?? 0 };
    case attributeTypes.int:
      return { kind: 'int', value: toNumber(attribute.i) };
    case attributeTypes.string:
      return { kind: 'string', value: text.decode(attribute.s ?? new Uint8Array()) };
    case attributeTypes.tensor:
      return { kind: 'tensor', value: decodeTensor(attribute.t ?? {}, readExternal) };
    case attributeTypes.floats:
      return { kind: 'floats', value: attribute.floats ?? [] };
    case attributeTypes.ints:
      return { kind: 'ints', value: (attribute.ints ?? []).map(toNumber) };
    case attributeTypes.strings:
      return { kind: 'strings', value: (attribute.strings ?? []).map((s) => text.decode(s)) };
    case attributeTypes.graph:
    case attributeTypes.graphs:
      return { kind: 'graph' };
    default:
      // Writers before IR 3 left `type` out: infer it from the field that is set.
      if (attribute.ints?.length) return { kind: 'ints', value: attribute.ints.map(toNumber) };
      if (attribute.floats?.length) return { kind: 'floats', value: attribute.floats };
      if (attribute.t) return { kind: 'tensor', value: decodeTensor(attribute.t, readExternal) };
      if (attribute.s) return { kind: 'string', value: text.decode(attribute.s) };
      if (attribute.f !== undefined) return { kind: 'float', value: attribute.f };
      return { kind: 'int', value: toNumber(attribute.i) };
  }
}

function decodeTensor(tensor: TensorMessage, readExternal: ExternalDataReader): Tensor {
  const dims = (tensor.dims ?? []).map(toNumber);
  const size = dims.reduce((a, b) => a * b, 1);
  const dataType = tensor.data_type ?? 0;
  let raw = tensor.raw_data && tensor.raw_data.length > 0 ? tensor.raw_data : undefined;
  if (tensor.data_location === 1) {
    const entry = (key: string) => tensor.external_data?.find((e) => e.key === key)?.value;
    const location = entry('location');
    if (!location) throw new OnnxFormatError(`initializer "${tensor.name}" is external but names no file`);
    const length = entry('length');
    raw = readExternal(location, Number(entry('offset') ?? 0), length === undefined ? undefined : Number(length));
  }
  const name = tensor.name ?? '';
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const need = (bytesPerValue: number) => {
    if (view && view.byteLength < size * bytesPerValue) {
      throw new OnnxFormatError(`initializer "${name}" holds ${view.byteLength} bytes, its shape [${dims.join(', ')}] needs ${size * bytesPerValue} (truncated file?)`);
    }
  };
  switch (dataType) {
    case DataType.float: {
      need(4);
      const values = raw ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + size * 4)) : Float32Array.from(tensor.float_data ?? []);
      return checked({ kind: 'float', dims, values }, size, name);
    }
    case DataType.double: {
      need(8);
      const values = view ? Float32Array.from({ length: size }, (_, i) => view.getFloat64(i * 8, true)) : Float32Array.from(tensor.double_data ?? []);
      return checked({ kind: 'float', dims, values }, size, name);
    }
    case DataType.float16: {
      need(2);
      const halves = view ? Array.from({ length: size }, (_, i) => view.getUint16(i * 2, true)) : (tensor.int32_data ?? []);
      return checked({ kind: 'float', dims, values: Float32Array.from(halves, halfToFloat) }, size, name);
    }
    case DataType.int64: {
      need(8);
      const values = view ? Array.from({ length: size }, (_, i) => Number(view.getBigInt64(i * 8, true))) : (tensor.int64_data ?? []).map(toNumber);
      return checked({ kind: 'int', dims, values, dataType }, size, name);
    }
    case DataType.int32: {
      need(4);
      const values = view ? Array.from({ length: size }, (_, i) => view.getInt32(i * 4, true)) : (tensor.int32_data ?? []);
      return checked({ kind: 'int', dims, values, dataType }, size, name);
    }
    case DataType.int8:
    case DataType.uint8:
    case DataType.bool: {
      need(1);
      const signed = dataType === DataType.int8;
      const values = view ? Array.from({ length: size }, (_, i) => (signed ? view.getInt8(i) : view.getUint8(i))) : (tensor.int32_data ?? []);
      return checked({ kind: 'int', dims, values, dataType }, size, name);
    }
    default:
      throw new OnnxFormatError(`initializer "${name}" has data type ${dataType}, which the tool does not read`);
  }
}

function checked(tensor: Tensor, size: number, name: string): Tensor {
  if (tensor.values.length !== size) throw new OnnxFormatError(`initializer "${name}" holds ${tensor.values.length} values for shape [${tensor.dims.join(', ')}]`);
  return tensor;
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/** Reductions whose axes became an input at opset 13 (ReduceSum) or 18 (the others). */
const reductions = new Set(['ReduceMax', 'ReduceMin', 'ReduceMean', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);

/** The opset from which `op` takes its canonical `axes` (or Split's `split`) attribute as an input instead. */
export function axesInputFrom(op: string): number | null {
  if (op === 'Squeeze' || op === 'Unsqueeze' || op === 'ReduceSum' || op === 'Split') return 13;
  if (reductions.has(op)) return 18;
  return null;
}

/** Serialises `graph` at its opset (IR 8), writing canonical attributes in that opset's form. */
export function encodeModel(graph: Graph): Uint8Array {
  const extra: { name: string; tensor: Tensor }[] = [];
  const nodes = graph.nodes.map((node) => {
    const attributes = { ...node.attributes };
    const inputs = [...node.inputs];
    const from = axesInputFrom(node.op);
    const key = node.op === 'Split' ? 'split' : 'axes';
    const axes = attributes[key];
    if (from !== null && graph.opset >= from && axes?.kind === 'ints') {
      delete attributes[key];
      const name = `${node.outputs[0]}__${key}`;
      extra.push({ name, tensor: { kind: 'int', dims: [axes.value.length], values: axes.value, dataType: DataType.int64 } });
      inputs[1] = name;
    }
    return {
      input: inputs,
      output: node.outputs,
      name: node.name,
      op_type: node.op,
      domain: node.domain,
      attribute: Object.entries(attributes).map(([name, value]) => encodeAttribute(name, value)),
    };
  });
  const message = {
    ir_version: 8,
    producer_name: 'robustness-lens',
    opset_import: [{ domain: '', version: graph.opset }],
    graph: {
      name: 'model',
      node: nodes,
      initializer: [...[...graph.initializers].map(([name, tensor]) => encodeTensor(name, tensor)), ...extra.map((e) => encodeTensor(e.name, e.tensor))],
      input: graph.inputs.map(encodeValueInfo),
      output: graph.outputs.map(encodeValueInfo),
      value_info: (graph.valueInfo ?? []).map(encodeValueInfo),
    },
  };
  return ModelProto.encode(ModelProto.fromObject(message)).finish();
}

function encodeAttribute(name: string, attribute: Attribute): object {
  switch (attribute.kind) {
    case 'float':
      return { name, type: attributeTypes.float, f: attribute.value };
    case 'int':
      return { name, type: attributeTypes.int, i: attribute.value };
    case 'string':
      return { name, type: attributeTypes.string, s: new TextEncoder().encode(attribute.value) };
    case 'floats':
      return { name, type: attributeTypes.floats, floats: attribute.value };
    case 'ints':
      return { name, type: attributeTypes.ints, ints: attribute.value };
    case 'strings':
      return { name, type: attributeTypes.strings, strings: attribute.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor':
      return { name, type: attributeTypes.tensor, t: encodeTensor('', attribute.value) };
    case 'graph':
      throw new Error(`attribute ${name}: subgraphs are not written`);
  }
}

function encodeTensor(name: string, tensor: Tensor): object {
  if (tensor.kind === 'float') {
    // raw_data is little-endian, as typed arrays are on every platform Node runs on.
    const raw = new Uint8Array(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength);
    return { name, dims: tensor.dims, data_type: DataType.float, raw_data: raw };
  }
  if (tensor.dataType === DataType.int64) {
    const raw = BigInt64Array.from(tensor.values, int64Of);
    return { name, dims: tensor.dims, data_type: DataType.int64, raw_data: new Uint8Array(raw.buffer) };
  }
  if (tensor.dataType === DataType.int32) {
    return { name, dims: tensor.dims, data_type: DataType.int32, raw_data: new Uint8Array(Int32Array.from(tensor.values).buffer) };
  }
  return { name, dims: tensor.dims, data_type: tensor.dataType, raw_data: Uint8Array.from(tensor.values) };
}

const int64Max = (1n << 63n) - 1n;
const int64Min = -(1n << 63n);

/**
 * A decoded int64 as a BigInt, saturated: exporters write INT64_MAX as "to the end" (Slice ends),
 * which reads back as the double 2^63 and would otherwise wrap to INT64_MIN.
 */
function int64Of(value: number): bigint {
  const big = BigInt(Math.trunc(value));
  return big > int64Max ? int64Max : big < int64Min ? int64Min : big;
}

function encodeValueInfo(info: ValueInfo): object {
  return {
    name: info.name,
    type: {
      tensor_type: {
        elem_type: info.elemType,
        shape: { dim: info.dims.map((dim) => (typeof dim === 'number' ? { dim_value: dim } : { dim_param: dim })) },
      },
    },
  };
}

/** What the extension and run storage read of an ONNX file without building anything: its output dims and external-data files. */
export function summariseModel(bytes: Uint8Array): { outputs: (number | string)[][]; externalData: string[]; outputOp: 'softmax' | 'sigmoid' | null } {
  let message: ModelMessage;
  try {
    message = ModelProto.toObject(ModelProto.decode(bytes), { defaults: false, arrays: true }) as ModelMessage;
  } catch (error) {
    throw new OnnxFormatError(`not an ONNX model (${error instanceof Error ? error.message : String(error)})`);
  }
  const externalData = new Set<string>();
  for (const tensor of message.graph?.initializer ?? []) {
    if (tensor.data_location !== 1) continue;
    const location = tensor.external_data?.find((e) => e.key === 'location')?.value;
    if (location) externalData.add(location);
  }
  const output = message.graph?.output?.[0]?.name;
  const producer = (message.graph?.node ?? []).find((node) => output !== undefined && (node.output ?? []).includes(output));
  const op = producer?.op_type;
  const outputOp = op === 'Softmax' || op === 'LogSoftmax' ? 'softmax' : op === 'Sigmoid' ? 'sigmoid' : null;
  return { outputs: (message.graph?.output ?? []).map((info) => decodeValueInfo(info).dims), externalData: [...externalData], outputOp };
}
