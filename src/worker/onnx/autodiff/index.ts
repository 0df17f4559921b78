/**
 * Reverse-mode differentiation of an ONNX graph, emitted as standard ONNX ops: the forward graph
 * plus, for a cotangent w on its output z, the vector–Jacobian product ∂(Σ w·z)/∂x. A reverse
 * topological walk sums cotangents where a value fans out (residual connections). Graph in,
 * graph out: nothing here runs a model.
 *
 * The backward rules live in one table per op family; a new op is one entry and one test case.
 */
import { describeNode, DataType, type Graph, type Node } from '../ir';
import type { FoldedGraph, Shape } from '../fold';
import { Emitter } from './emitter';
import { elementwiseRules } from './elementwise';
import { linearRules } from './linear';
import { normalizationRules } from './normalization';
import { poolingRules } from './pooling';
import { NotDifferentiable, type Rule } from './rule';
import { shapeRules } from './shape';

export { NotDifferentiable } from './rule';

export const backwardRules: Record<string, Rule> = { ...elementwiseRules, ...linearRules, ...normalizationRules, ...poolingRules, ...shapeRules };

export interface GradientNames {
  /** The graph input x. */
  input: string;
  /** The differentiated output z, [N, k]. */
  output: string;
  /** Name of the new input w, shaped like z. */
  cotangent: string;
  /** Name of the new output ∂(Σ w·z)/∂x, shaped like x. */
  gradient: string;
}

/** `folded` with the input gradient added: inputs x and w, outputs z and the gradient. */
export function withInputGradient(folded: FoldedGraph, names: GradientNames): Graph {
  const graph: Graph = {
    ...folded.graph,
    nodes: folded.graph.nodes.map((node) => ({ ...node, inputs: [...node.inputs], outputs: [...node.outputs] })),
    initializers: new Map(folded.graph.initializers),
  };
  const shapes = new Map(folded.shapes);
  const outputShape = shapes.get(names.output);
  if (outputShape) shapes.set(names.cotangent, outputShape);
  const e = new Emitter(graph, shapes);
  const forward = [...graph.nodes];

  const active = new Set([names.input]);
  for (const node of forward) if (node.inputs.some((i) => active.has(i))) node.outputs.forEach((o) => o !== '' && active.add(o));
  if (!active.has(names.output)) throw new NotDifferentiable(`the output "${names.output}" does not depend on the input`);

  const contributions = new Map<string, string[]>([[names.output, [names.cotangent]]]);
  // Every cotangent has the shape of the value it is the gradient of.
  const cotangentShapes = new Map<string, Shape>();
  const total = (name: string): string | null => {
    const parts = contributions.get(name);
    if (!parts || parts.length === 0) return null;
    if (parts.length === 1) return parts[0];
    const sum = e.node('Sum', parts);
    const shape = shapes.get(name);
    if (shape) cotangentShapes.set(sum, shape);
    contributions.set(name, [sum]);
    return sum;
  };
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (!node.inputs.some((input) => active.has(input))) continue;
    const grads = node.outputs.map((output) => (output === '' ? null : total(output)));
    if (grads.every((g) => g === null)) continue;
    const rule = backwardRules[node.op];
    if (!rule) throw new NotDifferentiable(`${describeNode(node)}: the op ${node.op} has no gradient rule`);
    const inputGrads = rule(e, node, grads, node.inputs.map((input) => active.has(input)));
    node.inputs.forEach((input, k) => {
      const g = inputGrads[k];
      if (g === null || g === undefined || !active.has(input)) return;
      const shape = shapes.get(input);
      if (shape) cotangentShapes.set(g, shape);
      contributions.set(input, [...(contributions.get(input) ?? []), g]);
    });
  }
  const gradient = total(names.input);
  if (gradient === null) throw new NotDifferentiable('no gradient reaches the input');
  graph.nodes.push({ op: 'Identity', domain: '', name: names.gradient, inputs: [gradient], outputs: [names.gradient], attributes: {} });

  const inputShape = shapes.get(names.input) ?? [];
  const dims = (shape: readonly (number | string)[]) => shape.map((d) => (d === 'N' ? 'batch' : d));
  graph.inputs = [
    { name: names.input, elemType: DataType.float, dims: dims(inputShape) },
    { name: names.cotangent, elemType: DataType.float, dims: dims(outputShape ?? []) },
  ];
  graph.outputs = [
    { name: names.output, elemType: DataType.float, dims: dims(outputShape ?? []) },
    { name: names.gradient, elemType: DataType.float, dims: dims(inputShape) },
  ];
  const named = new Set([...graph.inputs, ...graph.outputs].map((info) => info.name));
  graph.valueInfo = [...cotangentShapes]
    .filter(([name]) => !named.has(name) && !graph.initializers.has(name))
    .map(([name, shape]) => ({ name, elemType: DataType.float, dims: dims(shape) }));
  // ScatterElements' reduction (max-pool gradients) is opset 16.
  graph.opset = Math.max(graph.opset, 17);
  return graph;
}

/** Ops with a backward rule, for messages and docs. */
export function differentiableOps(): string[] {
  return Object.keys(backwardRules).sort();
}

export type { Node };
