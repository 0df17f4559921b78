// Batch normalisation folded into the Conv before it (conv-batch-norm.ts), as the gradient graph
// is built: the folded graph computes what the original computes, on ONNX Runtime, with and
// without a Conv bias, and a Conv whose output has another reader is left alone. The gradients of
// folded models are checked against TF.js and PyTorch in zoo-gradients and torch-gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBatchNormFolded } from '../../../src/worker/onnx/conv-batch-norm';
import { encodeModel } from '../../../src/worker/onnx/codec';
import { foldGraph, type FoldedGraph } from '../../../src/worker/onnx/fold';
import { DataType, type Graph } from '../../../src/worker/onnx/ir';
import { OrtSession } from '../../../src/worker/compute/ort-session';
import { float, floatTensor, node, sourceGraph, uniform, type GradientCase } from './gradient-check';

const channels = 4;
const batchNorm = {
  scale: floatTensor([channels], [1.5, -0.5, 2, 0.25]),
  offset: floatTensor([channels], [0.1, -0.2, 0.3, 0]),
  mean: floatTensor([channels], [0.2, -0.1, 0, 0.5]),
  variance: floatTensor([channels], [0.5, 2, 1, 0.1]),
};

function convBatchNormCase(withBias: boolean, extraReader = false): GradientCase {
  const convInputs = withBias ? ['x', 'w', 'b'] : ['x', 'w'];
  return {
    inputShape: [2, 5, 5],
    nodes: [
      node('Conv', convInputs, 'c', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('BatchNormalization', ['c', 'scale', 'offset', 'mean', 'variance'], 'n', { epsilon: float(1e-3) }),
      extraReader ? node('Add', ['n', 'c'], 'a') : node('Identity', ['n'], 'a'),
      node('Clip', ['a', 'low', 'high'], 'y'),
    ],
    constants: { w: floatTensor([channels, 2, 3, 3], uniform(channels * 18, 5)), b: floatTensor([channels], [0.3, -0.1, 0, 0.2]), ...batchNorm, low: floatTensor([], [0]), high: floatTensor([], [1]) },
    x: uniform(50, 6),
  };
}

const folded = (c: GradientCase): FoldedGraph => foldGraph(sourceGraph(c), 'x', c.inputShape, 'y', null);

async function outputs(graph: Graph, x: Float32Array, shape: readonly number[]): Promise<Float32Array> {
  const runnable: Graph = { ...graph, inputs: [{ name: 'x', elemType: DataType.float, dims: ['batch', ...shape] }], outputs: [{ name: 'y', elemType: DataType.float, dims: [] }] };
  const session = await OrtSession.create(encodeModel(runnable), { threads: 1, executionProvider: 'cpu' });
  try {
    const [y] = await session.run({ x: [x, [1, ...shape]] });
    return y;
  } finally {
    await session.dispose();
  }
}

for (const withBias of [true, false]) {
  test(`Conv ${withBias ? 'with' : 'without'} a bias → BatchNormalization folds into one Conv computing the same outputs`, async () => {
    const c = convBatchNormCase(withBias);
    const before = folded(c);
    const after = withBatchNormFolded(before);
    assert.deepEqual(after.graph.nodes.map((n) => n.op), ['Conv', 'Identity', 'Clip']);
    const conv = after.graph.nodes[0];
    assert.equal(conv.inputs.length, 3, 'the folded Conv has a bias');
    assert.ok(!after.graph.initializers.has('scale') && !after.graph.initializers.has('w'), "the batch norm's constants and the old weights are dropped");
    const [expected, actual] = [await outputs(before.graph, c.x, c.inputShape), await outputs(after.graph, c.x, c.inputShape)];
    assert.ok(expected.some((v) => v > 0 && v < 1), 'some outputs lie inside the clip');
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(expected[i] - actual[i]) <= 1e-5, `output ${i}: ${actual[i]} against ${expected[i]}`);
  });
}

test('a Conv whose output another node also reads keeps its BatchNormalization', () => {
  const before = folded(convBatchNormCase(true, true));
  const after = withBatchNormFolded(before);
  assert.equal(after, before);
  assert.ok(after.graph.nodes.some((n) => n.op === 'BatchNormalization'));
});
