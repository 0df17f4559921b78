/**
 * Inference batch normalisation folded into the convolution before it: Conv(x; W, b) then
 * BN(scale, bias, mean, var, ε) is Conv(x; W·s, (b − mean)·s + bias) with s = scale/√(var + ε)
 * per output channel. ONNX Runtime does the same fusion in a forward graph; done here, before
 * autodiff, the gradient graph has no per-channel Mul between each mask and the Conv adjoint
 * after it, which would keep ONNX Runtime's NCHWc layout from running through the backward pass.
 */
import { floatAttribute, type Graph, type Node, type Tensor } from './ir';
import type { FoldedGraph } from './fold';

export function withBatchNormFolded(source: FoldedGraph): FoldedGraph {
  const { graph } = source;
  const consumers = new Map<string, number>();
  for (const node of graph.nodes) for (const input of node.inputs) consumers.set(input, (consumers.get(input) ?? 0) + 1);
  for (const output of graph.outputs) consumers.set(output.name, (consumers.get(output.name) ?? 0) + 1);
  const producers = new Map<string, Node>();
  for (const node of graph.nodes) for (const output of node.outputs) producers.set(output, node);

  const initializers = new Map(graph.initializers);
  const rewritten = new Map<Node, Node>();
  const replaced = new Set<string>();
  const dropped = new Set<Node>();
  for (const norm of graph.nodes) {
    if (norm.op !== 'BatchNormalization' || norm.outputs.filter((o) => o !== '').length !== 1) continue;
    const conv = producers.get(norm.inputs[0]);
    if (!conv || conv.op !== 'Conv' || rewritten.has(conv) || consumers.get(norm.inputs[0]) !== 1) continue;
    const weight = floatConstant(initializers, conv.inputs[1]);
    const bias = conv.inputs[2] ? floatConstant(initializers, conv.inputs[2]) : null;
    const [scale, offset, mean, variance] = norm.inputs.slice(1, 5).map((name) => floatConstant(initializers, name));
    if (!weight || (conv.inputs[2] && !bias) || !scale || !offset || !mean || !variance) continue;
    const channels = weight.dims[0];
    if ([scale, offset, mean, variance].some((t) => t.values.length !== channels)) continue;
    const epsilon = floatAttribute(norm, 'epsilon', 1e-5);
    const factor = Array.from(scale.values, (s, c) => s / Math.sqrt(variance.values[c] + epsilon));
    const perChannel = weight.values.length / channels;
    const newWeight = Float32Array.from(weight.values, (w, i) => w * factor[Math.floor(i / perChannel)]);
    const newBias = Float32Array.from(factor, (f, c) => ((bias ? bias.values[c] : 0) - mean.values[c]) * f + offset.values[c]);
    const weightName = `${norm.outputs[0]}/folded_weight`;
    const biasName = `${norm.outputs[0]}/folded_bias`;
    initializers.set(weightName, { kind: 'float', dims: [...weight.dims], values: newWeight });
    initializers.set(biasName, { kind: 'float', dims: [channels], values: newBias });
    for (const name of [...conv.inputs.slice(1), ...norm.inputs.slice(1)]) replaced.add(name);
    rewritten.set(conv, { ...conv, inputs: [conv.inputs[0], weightName, biasName], outputs: [norm.outputs[0]] });
    dropped.add(norm);
  }
  if (rewritten.size === 0) return source;
  const nodes = graph.nodes.filter((node) => !dropped.has(node)).map((node) => rewritten.get(node) ?? node);
  const stillRead = new Set(nodes.flatMap((node) => node.inputs));
  for (const name of replaced) if (!stillRead.has(name)) initializers.delete(name);
  const result: Graph = { ...graph, nodes, initializers };
  return { graph: result, shapes: source.shapes };
}

function floatConstant(initializers: ReadonlyMap<string, Tensor>, name: string | undefined): Extract<Tensor, { kind: 'float' }> | null {
  const tensor = name === undefined ? undefined : initializers.get(name);
  return tensor?.kind === 'float' ? tensor : null;
}
