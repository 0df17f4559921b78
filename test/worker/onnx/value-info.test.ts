// The gradient graph's value_info: every cotangent's shape with the symbolic batch (what lets
// ONNX Runtime keep the backward pass in its blocked layout), and a session that still builds
// when ONNX Runtime disputes an entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradientSession } from '../../../src/worker/compute/ort-engine';
import { DataType } from '../../../src/worker/onnx/ir';
import { floatTensor, gradientGraphOf, node, uniform, type GradientCase } from './gradient-check';

const block: GradientCase = {
  inputShape: [16, 6, 6],
  nodes: [
    node('Conv', ['x', 'w1'], 'c1', { pads: [1, 1, 1, 1] }),
    node('Clip', ['c1', 'lo', 'hi'], 'r1'),
    node('Conv', ['r1', 'w2'], 'c2', { group: 16, strides: [2, 2], pads: [0, 0, 1, 1] }),
    node('Relu', ['c2'], 'r2'),
    node('GlobalAveragePool', ['r2'], 'p'),
    node('Flatten', ['p'], 'y'),
  ],
  constants: { w1: floatTensor([16, 16, 3, 3], uniform(16 * 16 * 9, 1, -0.2, 0.2)), w2: floatTensor([16, 1, 3, 3], uniform(144, 2)), lo: floatTensor([], [0]), hi: floatTensor([], [6]) },
  x: uniform(16 * 36, 3, 0, 1),
};

test('every cotangent of the gradient graph is listed with its shape and the symbolic batch', () => {
  const graph = gradientGraphOf(block);
  const info = graph.valueInfo ?? [];
  assert.ok(info.length >= 6, `${info.length} entries`);
  const declared = new Set([...graph.inputs, ...graph.outputs].map((v) => v.name));
  for (const entry of info) {
    assert.equal(entry.elemType, DataType.float, entry.name);
    assert.equal(entry.dims[0], 'batch', `${entry.name}: [${entry.dims.join(', ')}]`);
    assert.ok(!declared.has(entry.name) && !graph.initializers.has(entry.name), `${entry.name} is an input, output or constant`);
  }
  // The cotangent of the Relu's output has the Relu's shape: [batch, 16, 3, 3].
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  assert.ok(info.every((entry) => produced.has(entry.name)), 'entries name computed values');
  assert.ok(info.some((entry) => entry.dims.join() === 'batch,16,3,3'));
  assert.ok(info.some((entry) => entry.dims.join() === 'batch,16,6,6'));
});

test('a value_info entry ONNX Runtime disputes: the gradient session is built without them and gives the same gradient', async () => {
  const graph = gradientGraphOf(block);
  const run = async (gradient: typeof graph) => {
    const session = await gradientSession({ gradient }, { threads: 1, executionProvider: 'cpu' });
    try {
      return (await session.run({ x: [block.x, [1, ...block.inputShape]], dy: [Float32Array.of(...uniform(16, 4)), [1, 16]] }))[1];
    } finally {
      await session.dispose();
    }
  };
  const expected = await run(graph);
  const disputed = { ...graph, valueInfo: (graph.valueInfo ?? []).map((entry, i) => (i === 0 ? { ...entry, elemType: DataType.int64 } : entry)) };
  assert.deepEqual(Array.from(await run(disputed)), Array.from(expected));
});
