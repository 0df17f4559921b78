/** Appends nodes and constants to a graph being differentiated, with fresh value names. */
import { DataType, floatTensor, type Attribute, type Graph, type Node } from '../ir';
import type { Dim, Shape } from '../fold';

export type AttributeInput = number | readonly number[] | string | { float: number };

export class Emitter {
  private counter = 0;
  private readonly scalars = new Map<number, string>();

  constructor(
    readonly graph: Graph,
    readonly shapes: Map<string, Shape>,
  ) {}

  fresh(hint: string): string {
    return `__rl_grad/${hint.replace(/[^A-Za-z0-9_.-]/g, '_')}/${this.counter++}`;
  }

  /** Adds a node and returns its `outputs` output names. */
  nodes(op: string, inputs: readonly string[], attributes: Record<string, AttributeInput> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(op));
    const node: Node = { op, domain: '', name: names[0], inputs: [...inputs], outputs: names, attributes: toAttributes(attributes) };
    this.graph.nodes.push(node);
    return names;
  }

  node(op: string, inputs: readonly string[], attributes: Record<string, AttributeInput> = {}): string {
    return this.nodes(op, inputs, attributes)[0];
  }

  /** A node whose output shape is known, recorded for later rules. */
  shaped(op: string, inputs: readonly string[], shape: Shape, attributes: Record<string, AttributeInput> = {}): string {
    const name = this.node(op, inputs, attributes);
    this.shapes.set(name, shape);
    return name;
  }

  ints(values: readonly number[]): string {
    const name = this.fresh('ints');
    this.graph.initializers.set(name, { kind: 'int', dims: [values.length], values: [...values], dataType: DataType.int64 });
    return name;
  }

  floats(dims: readonly number[], values: Float32Array | readonly number[]): string {
    const name = this.fresh('floats');
    this.graph.initializers.set(name, floatTensor(dims, values));
    return name;
  }

  /** A float scalar constant (shared). */
  scalar(value: number): string {
    const known = this.scalars.get(value);
    if (known) return known;
    const name = this.floats([], [value]);
    this.scalars.set(value, name);
    return name;
  }

  shapeOf(name: string): Shape {
    const constant = this.graph.initializers.get(name);
    if (constant) return constant.dims;
    const shape = this.shapes.get(name);
    if (!shape) throw new Error(`autodiff: no static shape for "${name}"`);
    return shape;
  }

  /**
   * A Reshape target for `shape`: the batch as 0 (copied) where `from` has it at the same axis, so
   * that ONNX shape inference keeps the symbolic batch (-1 loses it), else as -1 (a shape holds
   * it at most once).
   */
  target(shape: readonly Dim[], from: readonly Dim[] = []): string {
    return this.ints(shape.map((d, i) => (d !== 'N' ? d : from[i] === 'N' ? 0 : -1)));
  }

  reshape(value: string, shape: Shape): string {
    return this.shaped('Reshape', [value, this.target(shape, this.shapes.get(value) ?? [])], shape);
  }

  mul(a: string, b: string): string {
    return this.node('Mul', [a, b]);
  }

  /** Zeros with the run-time shape of `like`. */
  zerosLike(like: string): string {
    return this.node('ConstantOfShape', [this.node('Shape', [like])], { value: { float: 0 } });
  }

  /**
   * `g` times the condition as 0 or 1: `where(condition, g)` for a finite g (a NaN or ±∞ cotangent
   * where the condition fails gives NaN, not 0). ONNX Runtime runs it faster than Where with a
   * broadcast 0 (the MobileNetV2-sized bench network, docs/benchmarks.md).
   */
  masked(condition: string, g: string): string {
    return this.mul(g, this.node('Cast', [condition], { to: DataType.float }));
  }

  /** `g` where `condition` holds, else 0. */
  where(condition: string, g: string, otherwise: string = this.scalar(0)): string {
    return this.node('Where', [condition, g, otherwise]);
  }
}

function toAttributes(values: Record<string, AttributeInput>): Record<string, Attribute> {
  const out: Record<string, Attribute> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'number') out[key] = Number.isInteger(value) ? { kind: 'int', value } : { kind: 'float', value };
    else if (typeof value === 'string') out[key] = { kind: 'string', value };
    else if (Array.isArray(value)) out[key] = { kind: 'ints', value: [...(value as readonly number[])] };
    else if (key === 'value') out[key] = { kind: 'tensor', value: floatTensor([1], [(value as { float: number }).float]) };
    else out[key] = { kind: 'float', value: (value as { float: number }).float };
  }
  return out;
}
