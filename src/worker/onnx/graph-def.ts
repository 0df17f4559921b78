/**
 * A TensorFlow GraphDef as tfjs-converter writes it into model.json (modelTopology.node): node
 * references ("name", "name:1", "^control") and attribute values in protobuf's JSON mapping
 * (64-bit integers as strings, strings in base64).
 */

export interface AttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: Array<string | number>; f?: number[] };
}

export interface GraphNodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

/** A node's data input: the producing node and which of its outputs. */
export interface NodeReference {
  node: string;
  output: number;
}

/** The data inputs of `node`, without its control inputs ("^name"). */
export function dataInputs(node: GraphNodeDef): NodeReference[] {
  return (node.input ?? []).filter((input) => !input.startsWith('^')).map(parseReference);
}

export function parseReference(reference: string): NodeReference {
  const match = /^(.*):(\d+)$/.exec(reference);
  return match ? { node: match[1], output: Number(match[2]) } : { node: reference, output: 0 };
}

/** Reads one node's attributes, with the defaults TF.js's op mappers use when one is absent. */
export class NodeAttributes {
  private readonly attr: Record<string, AttrValue>;

  constructor(node: GraphNodeDef) {
    this.attr = node.attr ?? {};
  }

  /** A string attribute, upper-cased ("SAME", "NHWC"); TF.js compares them case-insensitively. */
  string(name: string, fallback: string): string {
    const value = this.attr[name]?.s;
    return value === undefined ? fallback : decodeBase64(value).toUpperCase();
  }

  /** A string list, lower-cased as TF.js reads fused_ops. */
  strings(name: string): string[] {
    return (this.attr[name]?.list?.s ?? []).map((value) => decodeBase64(value).toLowerCase());
  }

  ints(name: string, fallback: number[]): number[] {
    const list = this.attr[name]?.list;
    if (!list) return fallback;
    return (list.i ?? []).map(Number);
  }

  number(name: string, fallback: number): number {
    const value = this.attr[name];
    if (value?.i !== undefined) return Number(value.i);
    if (value?.f !== undefined) return Number(value.f);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    return this.attr[name]?.b ?? fallback;
  }

  has(name: string): boolean {
    return name in this.attr;
  }
}

function decodeBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}
