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

  /**
   * `g` where low < value < high, else 0 (a null bound is no bound): g times the product of one
   * HardSigmoid step per bound. ONNX Runtime keeps HardSigmoid, and a Mul of two blocked tensors,
   * in its blocked (NCHWc) layout, where comparisons and Cast are reordered to NCHW and back around
   * every mask (on the MobileNetV2-sized bench network those reorders were a seventh of a
   * gradient). The steps' product first, then one Mul with g, ran 3 % faster there than g times
   * each step in turn.
   */
  keepInside(g: string, value: string, low: number | null, high: number | null): string {
    // clip(α·(value − bound), 0, 1): rising at the lower bound (α > 0), falling at the upper.
    const step = (bound: number, direction: 1 | -1) => {
      const alpha = direction * stepScale(bound);
      return this.node('HardSigmoid', [value], { alpha: { float: alpha }, beta: { float: -alpha * bound } });
    };
    const steps: string[] = [];
    if (low !== null && Number.isFinite(low)) steps.push(step(low, 1));
    if (high !== null && Number.isFinite(high)) steps.push(step(high, -1));
    if (steps.length === 0) return g;
    return this.mul(g, steps.length === 1 ? steps[0] : this.mul(steps[0], steps[1]));
  }

  /** `g` where `condition` holds, else 0. */
  where(condition: string, g: string, otherwise: string = this.scalar(0)): string {
    return this.node('Where', [condition, g, otherwise]);
  }
}

/**
 * The power of two α for which HardSigmoid's clip(α·(v − bound), 0, 1) is a step at `bound`: 0 at
 * the bound and exactly 1 for every float beyond it. α·|bound| stays below 2^127 (finite, and
 * exact: a power of two times a float), and α times the float spacing beside the bound (at least
 * |bound|·2^-24) is at least 2^101, so the first float past the bound already saturates; near
 * the bound the sum α·v − α·bound is exact (Sterbenz), further out it only grows (or overflows
 * to +∞, which the clip takes to 1). At a bound of 0, α = 2^127 saturates from 2^-127 up: only a
 * subnormal value closer to the bound than that gets a fraction of the gradient instead of all.
 */
function stepScale(bound: number): number {
  if (bound === 0) return 2 ** 127;
  return 2 ** Math.min(127, 126 - Math.ceil(Math.log2(Math.abs(bound))));
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
