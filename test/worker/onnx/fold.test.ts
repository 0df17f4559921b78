// Shape folding as exporters need it: PyTorch's x.view(x.size(0), -1) chain becomes one constant
// Reshape, a batch fixed at 1 in the file becomes "keep the batch", and the opset-11 attribute
// forms of Squeeze/ReduceSum and their opset-13 input forms give the same graph. Each folded graph
// is then differentiated and checked against finite differences with a batch of two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldGraph, NotFoldable } from '../../../src/worker/onnx/fold';
import { checkGradient, floatTensor, int64Tensor, node, sourceGraph, uniform, type GradientCase } from './gradient-check';

const tolerance = 2e-3;

function assertGradient(check: Awaited<ReturnType<typeof checkGradient>>): void {
  assert.ok(check.numeric.some((v) => Math.abs(v) > 1e-2), 'the finite differences are not all zero');
  assert.ok(check.worst <= tolerance, `the VJP differs from finite differences by ${check.worst.toExponential(2)}`);
  assert.ok(check.batchDifference <= 1e-5, 'rows stay apart');
}

const constantValues = (folded: ReturnType<typeof foldGraph>, name: string) => {
  const tensor = folded.graph.initializers.get(name);
  assert.ok(tensor && tensor.kind === 'int', `${name} is an int constant`);
  return tensor.values;
};

for (const opset of [11, 13]) {
  test(`Shape → Gather → Unsqueeze → Concat → Reshape (x.view(x.size(0), -1), opset ${opset}) folds to one constant Reshape`, async () => {
    const unsqueeze = opset >= 13 ? node('Unsqueeze', ['n', 'zero_axis'], 'n1') : node('Unsqueeze', ['n'], 'n1', { axes: [0] });
    const c: GradientCase = {
      inputShape: [2, 3, 3],
      nodes: [
        node('Shape', ['x'], 'shape'),
        node('Gather', ['shape', 'zero'], 'n', { axis: 0 }),
        unsqueeze,
        node('Concat', ['n1', 'minus_one'], 'target', { axis: 0 }),
        node('Reshape', ['x', 'target'], 'flat'),
        node('MatMul', ['flat', 'weights'], 'y'),
      ],
      constants: { zero: int64Tensor([0], []), zero_axis: int64Tensor([0]), minus_one: int64Tensor([-1]), weights: floatTensor([18, 4], uniform(72, 1)) },
      x: uniform(18, 2),
      opset,
    };
    const folded = foldGraph(sourceGraph(c), 'x', c.inputShape, 'y', null);
    assert.deepEqual(folded.graph.nodes.map((n) => n.op), ['Reshape', 'MatMul']);
    const reshape = folded.graph.nodes[0];
    assert.deepEqual(constantValues(folded, reshape.inputs[1]), [0, -1], 'the batch copied, the rest flattened');
    assert.deepEqual(folded.shapes.get('y'), ['N', 4]);
    assertGradient(await checkGradient(c));
  });
}

test('a Reshape to [1, 18] in a file with a fixed batch 1 keeps the batch; without the fixed batch it is refused', async () => {
  const c: GradientCase = {
    inputShape: [2, 3, 3],
    nodes: [node('Reshape', ['x', 'target'], 'flat'), node('Tanh', ['flat'], 'y')],
    constants: { target: int64Tensor([1, 18]) },
    x: uniform(18, 3, -2, 2),
    fixedBatch: 1,
  };
  const folded = foldGraph(sourceGraph(c), 'x', c.inputShape, 'y', 1);
  assert.deepEqual(constantValues(folded, folded.graph.nodes[0].inputs[1]), [0, 18]);
  assert.deepEqual(folded.shapes.get('y'), ['N', 18]);
  // Batches of 2 and 36 rows run through it (checkGradient's pair and finite-difference rows).
  assertGradient(await checkGradient(c));
  assert.throws(() => foldGraph(sourceGraph(c), 'x', c.inputShape, 'y', null), (error: unknown) => error instanceof NotFoldable && /folds the batch/.test(error.message));
});

test('a constant Reshape to [-1, 18] (TF\'s flatten, tf2onnx exports) keeps the batch in its -1; [18, -1] and [-1, 9] are refused', async () => {
  const c = (target: number[]): GradientCase => ({
    inputShape: [2, 3, 3],
    nodes: [node('Reshape', ['x', 'target'], 'flat'), node('Tanh', ['flat'], 'y')],
    constants: { target: int64Tensor(target) },
    x: uniform(18, 6, -2, 2),
  });
  const folded = foldGraph(sourceGraph(c([-1, 18])), 'x', [2, 3, 3], 'y', null);
  assert.deepEqual(folded.shapes.get('y'), ['N', 18]);
  assertGradient(await checkGradient(c([-1, 18])));
  assert.throws(() => foldGraph(sourceGraph(c([18, -1])), 'x', [2, 3, 3], 'y', null), (error: unknown) => error instanceof NotFoldable && /moves the batch/.test(error.message));
  assert.throws(() => foldGraph(sourceGraph(c([-1, 9])), 'x', [2, 3, 3], 'y', null), (error: unknown) => error instanceof NotFoldable && /folds the batch/.test(error.message));
});

test('Squeeze and ReduceSum: opset-11 attributes and opset-13 inputs fold alike and give the same gradient', async () => {
  const x = uniform(12, 4, -2, 2);
  const v11: GradientCase = {
    inputShape: [3, 1, 4],
    nodes: [node('Squeeze', ['x'], 's', { axes: [2] }), node('Tanh', ['s'], 't'), node('ReduceSum', ['t'], 'y', { axes: [-1], keepdims: 0 })],
    x,
    opset: 11,
  };
  const v13: GradientCase = {
    inputShape: [3, 1, 4],
    nodes: [node('Squeeze', ['x', 'squeeze_axes'], 's'), node('Tanh', ['s'], 't'), node('ReduceSum', ['t', 'sum_axes'], 'y', { keepdims: 0 })],
    constants: { squeeze_axes: int64Tensor([2]), sum_axes: int64Tensor([-1]) },
    x,
    opset: 13,
  };
  const [a, b] = [foldGraph(sourceGraph(v11), 'x', v11.inputShape, 'y', null), foldGraph(sourceGraph(v13), 'x', v13.inputShape, 'y', null)];
  assert.deepEqual(a.graph.nodes.map((n) => [n.op, n.inputs.length, n.attributes.axes]), b.graph.nodes.map((n) => [n.op, n.inputs.length, n.attributes.axes]));
  assert.deepEqual(a.shapes.get('y'), ['N', 3]);
  const [checkA, checkB] = [await checkGradient(v11), await checkGradient(v13)];
  assertGradient(checkA);
  assertGradient(checkB);
  assert.deepEqual(Array.from(checkA.y), Array.from(checkB.y));
  assert.deepEqual(Array.from(checkA.analytic), Array.from(checkB.analytic));
});

test('opset-10 Clip, Pad and Slice (arguments as attributes) are folded into their opset-11 form and run', async () => {
  const c: GradientCase = {
    inputShape: [2, 4, 4],
    nodes: [
      node('Slice', ['x'], 's', { starts: [1, 0], ends: [4, 3], axes: [2, 3] }),
      node('Pad', ['s'], 'p', { pads: [0, 0, 1, 0, 0, 0, 0, 2], mode: 'constant', value: { float: 0.25 } }),
      node('Clip', ['p'], 'y', { min: { float: -0.5 }, max: { float: 0.6 } }),
    ],
    x: Float32Array.from(uniform(32, 5, -1, 1), (v) => (Math.abs(v + 0.5) < 0.05 || Math.abs(v - 0.6) < 0.05 ? v + 0.12 : v)),
    opset: 9,
  };
  // Slice moved its starts/ends to inputs at opset 10; the case is written for opset 9.
  const check = await checkGradient(c);
  assert.ok(check.folded.graph.opset >= 11);
  assertGradient(check);
});
