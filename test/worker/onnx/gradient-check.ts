// Checks a backward rule the way it is used: a tiny ONNX graph x → y is folded, differentiated by
// withInputGradient, encoded and run on ONNX Runtime; its vector–Jacobian product for a seeded
// cotangent w is compared with central finite differences of Σ w·y taken on the forward graph
// (every ±h row in one batched run, the sums in float64).
import { withInputGradient } from '../../../src/worker/onnx/autodiff/index';
import { encodeModel } from '../../../src/worker/onnx/codec';
import { foldGraph, type FoldedGraph, type Shape } from '../../../src/worker/onnx/fold';
import { DataType, floatTensor, int64Tensor, sizeOf, type Attribute, type Graph, type Node, type Tensor } from '../../../src/worker/onnx/ir';
import { OrtSession } from '../../../src/worker/compute/ort-session';
import { SeededRandom } from '../../../src/engine/rng';

export { floatTensor, int64Tensor };

/** A float attribute (a bare number is an int). */
export const float = (value: number) => ({ float: value });

type AttributeValue = number | readonly number[] | string | { float: number } | Tensor;

function attribute(value: AttributeValue): Attribute {
  if (typeof value === 'number') return { kind: 'int', value };
  if (typeof value === 'string') return { kind: 'string', value };
  if (Array.isArray(value)) return { kind: 'ints', value: [...(value as readonly number[])] };
  if ('float' in (value as object)) return { kind: 'float', value: (value as { float: number }).float };
  return { kind: 'tensor', value: value as Tensor };
}

export function node(op: string, inputs: string[], outputs: string | string[], attributes: Record<string, AttributeValue> = {}): Node {
  const names = typeof outputs === 'string' ? [outputs] : outputs;
  return { op, domain: '', name: names[0], inputs, outputs: names, attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, attribute(v)])) };
}

export interface GradientCase {
  /** One image's shape: the graph input x is [N, ...inputShape]. */
  inputShape: number[];
  /** Nodes reading "x" and writing "y". */
  nodes: Node[];
  constants?: Record<string, Tensor>;
  /** Default 17. */
  opset?: number;
  /** One row of x. */
  x: Float32Array;
  /** The finite-difference step (default 1e-2). */
  step?: number;
  /** The batch size a file fixes (foldGraph's fixedBatch), default none. */
  fixedBatch?: number | null;
}

export interface GradientCheck {
  /** ONNX Runtime's ∂(Σ w·y)/∂x for one row. */
  analytic: Float32Array;
  /** The central finite differences. */
  numeric: Float64Array;
  /** max |analytic − numeric| / max(1, max |numeric|). */
  worst: number;
  /** Row 0's gradient in a batch of two against the gradient of the row alone (max |difference|). */
  batchDifference: number;
  folded: FoldedGraph;
  gradientGraph: Graph;
  /** The y of one row, from the forward graph. */
  y: Float32Array;
}

export function sourceGraph(c: GradientCase): Graph {
  return {
    nodes: c.nodes,
    initializers: new Map(Object.entries(c.constants ?? {})),
    inputs: [{ name: 'x', elemType: DataType.float, dims: ['N', ...c.inputShape] }],
    outputs: [{ name: 'y', elemType: DataType.float, dims: [] }],
    opset: c.opset ?? 17,
  };
}

const session = (graph: Graph) => OrtSession.create(encodeModel(graph), { threads: 1, executionProvider: 'cpu' });
const batchDims = (shape: Shape) => shape.map((d) => (d === 'N' ? 'batch' : d));

/** `values` of `count` uniform draws in [low, high). */
export function uniform(count: number, seed: number, low = -1, high = 1): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length: count }, () => low + (high - low) * random.next());
}

/** Uniform draws at least `margin` from every kink, so that ±h never crosses one. */
export function awayFrom(count: number, seed: number, kinks: readonly number[], low = -2, high = 2, margin = 0.05): Float32Array {
  const random = new SeededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let v: number;
    do v = low + (high - low) * random.next();
    while (kinks.some((k) => Math.abs(v - k) < margin));
    out[i] = v;
  }
  return out;
}

/** `count` distinct values low, low + spacing, … in a seeded order: no two within ±h of each other. */
export function distinct(count: number, seed: number, low = -1, spacing = 0.07): Float32Array {
  const random = new SeededRandom(seed);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Float32Array.from(order, (rank) => low + spacing * rank);
}

/** Folds, differentiates and runs `c`; see GradientCheck. */
export async function checkGradient(c: GradientCase, seed = 1): Promise<GradientCheck> {
  const d = sizeOf(c.inputShape);
  if (c.x.length !== d) throw new Error(`x has ${c.x.length} values, not ${d}`);
  const folded = foldGraph(sourceGraph(c), 'x', c.inputShape, 'y', c.fixedBatch ?? null);
  const yShape = folded.shapes.get('y');
  if (!yShape || yShape[0] !== 'N') throw new Error(`y has shape [${yShape?.join(', ')}], not [N, …]`);
  const k = sizeOf(yShape.slice(1) as number[]);
  const wDims = (rows: number) => [rows, ...(yShape.slice(1) as number[])];
  const forward: Graph = {
    ...folded.graph,
    inputs: [{ name: 'x', elemType: DataType.float, dims: ['batch', ...c.inputShape] }],
    outputs: [{ name: 'y', elemType: DataType.float, dims: batchDims(yShape) }],
  };
  const gradientGraph = withInputGradient({ graph: forward, shapes: folded.shapes }, { input: 'x', output: 'y', cotangent: 'dy', gradient: 'dx' });
  const [forwardSession, gradientSession] = await Promise.all([session(forward), session(gradientGraph)]);
  try {
    const w = uniform(k, seed + 100);
    const [yFromGradient, analytic] = await gradientSession.run({ x: [c.x, [1, ...c.inputShape]], dy: [w, wDims(1)] });

    // Row 0 again, next to another row: the gradient graph must keep rows apart.
    const other = Float32Array.from(c.x).reverse();
    const pair = new Float32Array(2 * d);
    pair.set(c.x, 0);
    pair.set(other, d);
    const pairW = new Float32Array(2 * k);
    pairW.set(w, 0);
    pairW.set(uniform(k, seed + 300), k);
    const [, pairGradient] = await gradientSession.run({ x: [pair, [2, ...c.inputShape]], dy: [pairW, wDims(2)] });
    let batchDifference = 0;
    for (let i = 0; i < d; i++) batchDifference = Math.max(batchDifference, Math.abs(pairGradient[i] - analytic[i]));

    const h = c.step ?? 1e-2;
    const rows = new Float32Array(2 * d * d);
    const steps = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      rows.set(c.x, 2 * i * d);
      rows.set(c.x, (2 * i + 1) * d);
      const plus = Math.fround(c.x[i] + h);
      const minus = Math.fround(c.x[i] - h);
      rows[2 * i * d + i] = plus;
      rows[(2 * i + 1) * d + i] = minus;
      steps[i] = plus - minus;
    }
    const [ys] = await forwardSession.run({ x: [rows, [2 * d, ...c.inputShape]] });
    const [y] = await forwardSession.run({ x: [c.x, [1, ...c.inputShape]] });
    for (let j = 0; j < k; j++) {
      if (Math.abs(y[j] - yFromGradient[j]) > 1e-5 * Math.max(1, Math.abs(y[j]))) throw new Error(`the gradient graph's y[${j}] = ${yFromGradient[j]}, the forward graph's ${y[j]}`);
    }
    const numeric = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += w[j] * (ys[2 * i * k + j] - ys[(2 * i + 1) * k + j]);
      numeric[i] = sum / steps[i];
    }
    let scale = 1;
    for (const v of numeric) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < d; i++) worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]) / scale);
    if (Number.isNaN(worst) || analytic.some((v) => !Number.isFinite(v))) worst = Infinity;
    return { analytic, numeric, worst, batchDifference, folded, gradientGraph, y };
  } finally {
    await Promise.all([forwardSession.dispose(), gradientSession.dispose()]);
  }
}

/** The gradient graph of `c` (x, dy → y, dx), not run. */
export function gradientGraphOf(c: GradientCase): Graph {
  const folded = foldGraph(sourceGraph(c), 'x', c.inputShape, 'y', c.fixedBatch ?? null);
  const yShape = folded.shapes.get('y') ?? [];
  const forward: Graph = {
    ...folded.graph,
    inputs: [{ name: 'x', elemType: DataType.float, dims: ['batch', ...c.inputShape] }],
    outputs: [{ name: 'y', elemType: DataType.float, dims: batchDims(yShape) }],
  };
  return withInputGradient({ graph: forward, shapes: folded.shapes }, { input: 'x', output: 'y', cotangent: 'dy', gradient: 'dx' });
}

/** Runs only the gradient graph of `c`: the input gradient for cotangent `w` on one row. */
export async function inputGradient(c: GradientCase, w: Float32Array): Promise<Float32Array> {
  const graph = gradientGraphOf(c);
  const yShape = graph.outputs[0].dims.map((d) => (typeof d === 'number' ? d : 'N'));
  const gradientSession = await session(graph);
  try {
    const [, g] = await gradientSession.run({ x: [c.x, [1, ...c.inputShape]], dy: [w, [1, ...(yShape.slice(1) as number[])]] });
    return g;
  } finally {
    await gradientSession.dispose();
  }
}
