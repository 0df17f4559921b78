// Every backward rule (backwardRules in src/worker/onnx/autodiff) against central finite
// differences on ONNX Runtime: a tiny graph per op, small odd shapes, float32 inputs kept at least
// 0.05 from every kink and tie (the step is 0.01), and a seeded cotangent on the output.
// Tolerance: max |ONNX Runtime's VJP − finite difference| ≤ 2e-3 · max(1, max |finite difference|):
// float32 rounding of Σ w·y over ±h costs ~1e-4 here, a wrong rule costs O(1).
// Maximum ties are checked exactly: the gradient goes to the first maximum in row-major order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backwardRules } from '../../../src/worker/onnx/autodiff/index';
import { awayFrom, checkGradient, distinct, float, floatTensor, gradientGraphOf as withInputGradientOf, inputGradient, int64Tensor, node, uniform, type GradientCase } from './gradient-check';

const tolerance = 2e-3;

interface RuleTest {
  name: string;
  build: () => GradientCase;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** x → op(x, …constants) → y. */
function single(op: string, shape: number[], x: Float32Array, attributes: Parameters<typeof node>[3] = {}, constants: GradientCase['constants'] = {}, opset?: number): GradientCase {
  return { inputShape: shape, nodes: [node(op, ['x', ...Object.keys(constants)], 'y', attributes)], constants, x, opset };
}

const smooth = (shape: number[], seed: number, low = -2, high = 2) => uniform(size(shape), seed, low, high);
const a3 = [2, 3, 4];

const cases: RuleTest[] = [
  // ---- arithmetic with broadcasting ----
  { name: 'Add x [2,3,4] + c [4]', build: () => single('Add', a3, smooth(a3, 1), {}, { c: floatTensor([4], uniform(4, 2)) }) },
  { name: 'Add c [3,1] + x (the second input active)', build: () => ({ inputShape: a3, nodes: [node('Add', ['c', 'x'], 'y')], constants: { c: floatTensor([3, 1], uniform(3, 3)) }, x: smooth(a3, 4) }) },
  {
    name: 'Add of two active inputs, one broadcast: x + ReduceSum(x, axis 2)',
    build: () => ({ inputShape: a3, nodes: [node('ReduceSum', ['x'], 's', { axes: [2], keepdims: 1 }), node('Add', ['x', 's'], 'y')], x: smooth(a3, 5) }),
  },
  { name: 'Sub x − c [2,1,4]', build: () => single('Sub', a3, smooth(a3, 6), {}, { c: floatTensor([2, 1, 4], uniform(8, 7)) }) },
  { name: 'Sub c [1] − x', build: () => ({ inputShape: a3, nodes: [node('Sub', ['c', 'x'], 'y')], constants: { c: floatTensor([1], [0.25]) }, x: smooth(a3, 8) }) },
  {
    name: 'Sub of two active inputs: x − ReduceMean(x, axis 1)',
    build: () => ({ inputShape: a3, nodes: [node('ReduceMean', ['x'], 'm', { axes: [1], keepdims: 1 }), node('Sub', ['x', 'm'], 'y')], x: smooth(a3, 9) }),
  },
  { name: 'Mul x · c [3,1]', build: () => single('Mul', a3, smooth(a3, 10), {}, { c: floatTensor([3, 1], uniform(3, 11)) }) },
  {
    name: 'Mul of two active inputs, one broadcast: x · ReduceSum(x, axis 2)',
    build: () => ({ inputShape: a3, nodes: [node('ReduceSum', ['x'], 's', { axes: [2], keepdims: 1 }), node('Mul', ['x', 's'], 'y')], x: smooth(a3, 12) }),
  },
  { name: 'Div x / c [4]', build: () => single('Div', a3, smooth(a3, 13), {}, { c: floatTensor([4], uniform(4, 14, 0.5, 2)) }) },
  { name: 'Div c [3,1] / x (x in [0.5, 2])', build: () => ({ inputShape: a3, nodes: [node('Div', ['c', 'x'], 'y')], constants: { c: floatTensor([3, 1], uniform(3, 15)) }, x: smooth(a3, 16, 0.5, 2) }) },
  {
    name: 'Div of two active inputs: x / ReduceSum(x, axis 2), x > 0',
    build: () => ({ inputShape: a3, nodes: [node('ReduceSum', ['x'], 's', { axes: [2], keepdims: 1 }), node('Div', ['x', 's'], 'y')], x: smooth(a3, 17, 0.5, 2) }),
  },
  { name: 'Pow x ^ c [4] (x in [0.5, 2], exponents 2, 0.5, 3, −1)', build: () => single('Pow', a3, smooth(a3, 18, 0.5, 2), {}, { c: floatTensor([4], [2, 0.5, 3, -1]) }) },
  { name: 'Max x, c [4] (x away from c)', build: () => single('Max', a3, awayFrom(24, 19, [0.3, -0.2, 0.5, 0]), {}, { c: floatTensor([4], [0.3, -0.2, 0.5, 0]) }) },
  { name: 'Min of two active inputs: Min(x, −x)', build: () => ({ inputShape: a3, nodes: [node('Neg', ['x'], 'n'), node('Min', ['x', 'n'], 'y')], x: awayFrom(24, 20, [0]) }) },
  {
    name: 'Sum of x, Exp(x) and c [3,1]; Mean of x and Tanh(x)',
    build: () => ({
      inputShape: a3,
      nodes: [node('Exp', ['x'], 'e'), node('Sum', ['x', 'e', 'c'], 's'), node('Tanh', ['s'], 't'), node('Mean', ['t', 'x'], 'y')],
      constants: { c: floatTensor([3, 1], uniform(3, 21)) },
      x: smooth(a3, 22, -1, 1),
    }),
  },
  {
    name: 'Dropout, Cast to float and Identity pass the gradient through',
    build: () => ({
      inputShape: [5],
      nodes: [node('Dropout', ['x'], 'd'), node('Cast', ['d'], 'c', { to: 1 }), node('Identity', ['c'], 'i'), node('Tanh', ['i'], 'y')],
      x: smooth([5], 23),
    }),
  },

  // ---- MatMul and Gemm ----
  { name: 'MatMul x [3,4] @ c [4,5]', build: () => single('MatMul', [3, 4], smooth([3, 4], 24), {}, { c: floatTensor([4, 5], uniform(20, 25)) }) },
  { name: 'MatMul c [2,3] @ x [3,4] (broadcast over the batch)', build: () => ({ inputShape: [3, 4], nodes: [node('MatMul', ['c', 'x'], 'y')], constants: { c: floatTensor([2, 3], uniform(6, 26)) }, x: smooth([3, 4], 27) }) },
  {
    name: 'MatMul of two active inputs: x [3,4] @ xᵀ',
    build: () => ({ inputShape: [3, 4], nodes: [node('Transpose', ['x'], 't', { perm: [0, 2, 1] }), node('MatMul', ['x', 't'], 'y')], x: smooth([3, 4], 28) }),
  },
  { name: 'MatMul x [2,3,4] @ c [2,4,2] (batched)', build: () => single('MatMul', a3, smooth(a3, 29), {}, { c: floatTensor([2, 4, 2], uniform(16, 30)) }) },
  ...[0, 1].flatMap((transB) => [
    {
      name: `Gemm x as A, transA 0, transB ${transB}, alpha 0.7, beta 1.3, C [3]`,
      build: (): GradientCase => ({
        inputShape: [4],
        nodes: [node('Gemm', ['x', 'b', 'c'], 'y', { transA: 0, transB, alpha: float(0.7), beta: float(1.3) })],
        constants: { b: floatTensor(transB ? [3, 4] : [4, 3], uniform(12, 31)), c: floatTensor([3], uniform(3, 32)) },
        x: smooth([4], 33),
      }),
    },
    {
      name: `Gemm x as A, transA 1 (A = xᵀ), transB ${transB}`,
      build: (): GradientCase => ({
        inputShape: [4],
        nodes: [node('Transpose', ['x'], 'xt', { perm: [1, 0] }), node('Gemm', ['xt', 'b'], 'y', { transA: 1, transB, alpha: float(1.5) })],
        constants: { b: floatTensor(transB ? [3, 4] : [4, 3], uniform(12, 34)) },
        x: smooth([4], 35),
      }),
    },
    {
      name: `Gemm x as B, transA ${transB}, transB 1 (the batch on axis 1, transposed back)`,
      build: (): GradientCase => ({
        inputShape: [4],
        nodes: [node('Gemm', ['a', 'x', 'c'], 'g', { transA: transB, transB: 1, alpha: float(0.9), beta: float(0.5) }), node('Transpose', ['g'], 'y', { perm: [1, 0] })],
        constants: { a: floatTensor(transB ? [4, 3] : [3, 4], uniform(12, 36)), c: floatTensor([3, 1], uniform(3, 37)) },
        x: smooth([4], 38),
      }),
    },
    {
      name: `Gemm x as B, transA ${transB}, transB 0 (B = xᵀ)`,
      build: (): GradientCase => ({
        inputShape: [4],
        nodes: [node('Transpose', ['x'], 'xt', { perm: [1, 0] }), node('Gemm', ['a', 'xt'], 'g', { transA: transB, transB: 0 }), node('Transpose', ['g'], 'y', { perm: [1, 0] })],
        constants: { a: floatTensor(transB ? [4, 3] : [3, 4], uniform(12, 39)) },
        x: smooth([4], 40),
      }),
    },
  ]),

  // ---- Conv ----
  {
    name: 'Conv strides 2, asymmetric pads [1,0,2,1], dilations [2,1], bias',
    build: () => ({
      inputShape: [2, 7, 7],
      nodes: [node('Conv', ['x', 'w', 'b'], 'y', { strides: [2, 2], pads: [1, 0, 2, 1], dilations: [2, 1] })],
      constants: { w: floatTensor([3, 2, 3, 3], uniform(54, 41)), b: floatTensor([3], uniform(3, 42)) },
      x: smooth([2, 7, 7], 43, -1, 1),
    }),
  },
  {
    name: 'Conv group 2, pads 1',
    build: () => ({
      inputShape: [4, 5, 6],
      nodes: [node('Conv', ['x', 'w'], 'y', { group: 2, pads: [1, 1, 1, 1] })],
      constants: { w: floatTensor([4, 2, 3, 3], uniform(72, 44)) },
      x: smooth([4, 5, 6], 45, -1, 1),
    }),
  },
  {
    name: 'Conv depthwise (group = channels, multiplier 2), strides 2, pads 1',
    build: () => ({
      inputShape: [3, 6, 5],
      nodes: [node('Conv', ['x', 'w'], 'y', { group: 3, strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] })],
      constants: { w: floatTensor([6, 1, 3, 3], uniform(54, 46)) },
      x: smooth([3, 6, 5], 47, -1, 1),
    }),
  },
  {
    name: 'Conv depthwise strides 2, pads [0,0,1,1] (TensorFlow SAME on an even size, as MobileNetV2)',
    build: () => ({
      inputShape: [4, 8, 8],
      nodes: [node('Conv', ['x', 'w'], 'y', { group: 4, strides: [2, 2], pads: [0, 0, 1, 1], kernel_shape: [3, 3] })],
      constants: { w: floatTensor([4, 1, 3, 3], uniform(36, 150)) },
      x: smooth([4, 8, 8], 151, -1, 1),
    }),
  },
  {
    name: 'Conv depthwise strides [2,3], dilations 2, on 9x11 without padding (rows and columns never reached)',
    build: () => ({
      inputShape: [2, 9, 11],
      nodes: [node('Conv', ['x', 'w'], 'y', { group: 2, strides: [2, 3], dilations: [2, 2], kernel_shape: [2, 3] })],
      constants: { w: floatTensor([2, 1, 2, 3], uniform(12, 152)) },
      x: smooth([2, 9, 11], 153, -1, 1),
    }),
  },
  {
    name: 'Conv 1-D depthwise stride 3, pads [2,1]',
    build: () => ({
      inputShape: [3, 10],
      nodes: [node('Conv', ['x', 'w'], 'y', { group: 3, strides: [3], pads: [2, 1], kernel_shape: [4] })],
      constants: { w: floatTensor([3, 1, 4], uniform(12, 154)) },
      x: smooth([3, 10], 155, -1, 1),
    }),
  },
  {
    name: 'Conv auto_pad SAME_UPPER, strides 2 on 6x6 (the padding pixel at the end)',
    build: () => ({
      inputShape: [2, 6, 6],
      nodes: [node('Conv', ['x', 'w'], 'y', { auto_pad: 'SAME_UPPER', strides: [2, 2] })],
      constants: { w: floatTensor([2, 2, 3, 3], uniform(36, 48)) },
      x: smooth([2, 6, 6], 49, -1, 1),
    }),
  },
  {
    name: 'Conv strides 2 on 8x8 without padding (the last row never reached)',
    build: () => ({ inputShape: [1, 8, 8], nodes: [node('Conv', ['x', 'w'], 'y', { strides: [2, 2] })], constants: { w: floatTensor([2, 1, 3, 3], uniform(18, 50)) }, x: smooth([1, 8, 8], 51, -1, 1) }),
  },
  {
    name: 'BatchNormalization (inference) on [3,4,4]',
    build: () => ({
      inputShape: [3, 4, 4],
      nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], 'y', { epsilon: float(1e-3) })],
      constants: { s: floatTensor([3], uniform(3, 52, 0.5, 1.5)), b: floatTensor([3], uniform(3, 53)), m: floatTensor([3], uniform(3, 54)), v: floatTensor([3], uniform(3, 55, 0.2, 2)) },
      x: smooth([3, 4, 4], 56),
    }),
  },

  {
    name: 'LayerNormalization axis −1 with scale and bias',
    build: () => ({
      inputShape: [3, 4],
      nodes: [node('LayerNormalization', ['x', 's', 'b'], 'y', { axis: -1, epsilon: float(1e-3) })],
      constants: { s: floatTensor([4], uniform(4, 113, 0.5, 1.5)), b: floatTensor([4], uniform(4, 114)) },
      x: smooth([3, 4], 115),
    }),
  },
  {
    name: 'LayerNormalization axis 1 (over three axes), no bias',
    build: () => ({
      inputShape: a3,
      nodes: [node('LayerNormalization', ['x', 's'], 'y', { axis: 1 })],
      constants: { s: floatTensor([2, 3, 4], uniform(24, 116, 0.5, 1.5)) },
      x: smooth(a3, 117),
    }),
  },

  // ---- pooling and reductions ----
  { name: 'MaxPool 3x3 strides 2 pads 1 ceil_mode 1 on 6x7', build: () => single('MaxPool', [2, 6, 7], distinct(84, 57), { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }) },
  { name: 'MaxPool 2x2 strides 1 (overlapping windows share a maximum)', build: () => single('MaxPool', [1, 5, 5], distinct(25, 58), { kernel_shape: [2, 2], strides: [1, 1] }) },
  { name: 'MaxPool [2,3] strides [2,1] pads [0,1,1,1]', build: () => single('MaxPool', [2, 5, 4], distinct(40, 59), { kernel_shape: [2, 3], strides: [2, 1], pads: [0, 1, 1, 1] }) },
  { name: 'MaxPool auto_pad SAME_UPPER 3x3 strides 2 on 6x6', build: () => single('MaxPool', [1, 6, 6], distinct(36, 60), { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }) },
  ...[0, 1].map((countIncludePad) => ({
    name: `AveragePool 3x3 strides 2 pads 1 ceil_mode 1 count_include_pad ${countIncludePad} on 6x7`,
    build: () => single('AveragePool', [2, 6, 7], smooth([2, 6, 7], 61), { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: countIncludePad }),
  })),
  ...[0, 1].map((countIncludePad) => ({
    name: `AveragePool [2,3] strides [1,2] pads [1,0,0,2] count_include_pad ${countIncludePad}`,
    build: () => single('AveragePool', [2, 5, 6], smooth([2, 5, 6], 62), { kernel_shape: [2, 3], strides: [1, 2], pads: [1, 0, 0, 2], count_include_pad: countIncludePad }),
  })),
  { name: 'AveragePool 2x2 strides 2 on 5x5 (the last row dropped)', build: () => single('AveragePool', [2, 5, 5], smooth([2, 5, 5], 63), { kernel_shape: [2, 2], strides: [2, 2] }) },
  { name: 'GlobalAveragePool on [3,4,5]', build: () => single('GlobalAveragePool', [3, 4, 5], smooth([3, 4, 5], 64)) },
  { name: 'GlobalMaxPool on [3,4,5]', build: () => single('GlobalMaxPool', [3, 4, 5], distinct(60, 65)) },
  { name: 'ReduceMax axes [2,3] keepdims 0', build: () => single('ReduceMax', [2, 3, 4], distinct(24, 66), { axes: [2, 3], keepdims: 0 }) },
  { name: 'ReduceMax axes [1] keepdims 1', build: () => single('ReduceMax', [3, 4], distinct(12, 67), { axes: [1], keepdims: 1 }) },
  { name: 'ReduceMax axes [-1] as an input (opset 18)', build: () => ({ inputShape: [3, 4], nodes: [node('ReduceMax', ['x', 'axes'], 'y', { keepdims: 0 })], constants: { axes: int64Tensor([-1]) }, x: distinct(12, 68), opset: 18 }) },
  { name: 'ReduceMin axes [1] keepdims 0', build: () => single('ReduceMin', [3, 4], distinct(12, 69), { axes: [1], keepdims: 0 }) },
  { name: 'ReduceMean axes [-1] keepdims 0', build: () => single('ReduceMean', a3, smooth(a3, 70), { axes: [-1], keepdims: 0 }) },
  { name: 'ReduceSum axes [1,3] keepdims 1 (opset 13: axes as an input)', build: () => ({ inputShape: a3, nodes: [node('ReduceSum', ['x', 'axes'], 'y')], constants: { axes: int64Tensor([1, 3]) }, x: smooth(a3, 71), opset: 13 }) },

  // ---- activations ----
  { name: 'Relu', build: () => single('Relu', a3, awayFrom(24, 72, [0])) },
  { name: 'LeakyRelu alpha 0.1', build: () => single('LeakyRelu', a3, awayFrom(24, 73, [0]), { alpha: float(0.1) }) },
  { name: 'Elu alpha 0.7', build: () => single('Elu', a3, awayFrom(24, 74, [0]), { alpha: float(0.7) }) },
  { name: 'Selu', build: () => single('Selu', a3, awayFrom(24, 75, [0])) },
  { name: 'PRelu slope [3,1]', build: () => single('PRelu', a3, awayFrom(24, 76, [0]), {}, { slope: floatTensor([3, 1], uniform(3, 77, 0, 0.5)) }) },
  { name: 'Sigmoid', build: () => single('Sigmoid', a3, smooth(a3, 78, -4, 4)) },
  { name: 'Tanh', build: () => single('Tanh', a3, smooth(a3, 79)) },
  { name: 'Softplus', build: () => single('Softplus', a3, smooth(a3, 80, -4, 4)) },
  { name: 'Softsign', build: () => single('Softsign', a3, awayFrom(24, 81, [0])) },
  { name: 'HardSigmoid alpha 0.3 beta 0.4', build: () => single('HardSigmoid', a3, awayFrom(24, 82, [-4 / 3, 2], -3, 3), { alpha: float(0.3), beta: float(0.4) }) },
  { name: 'HardSwish', build: () => single('HardSwish', a3, awayFrom(24, 83, [-3, 3], -4, 4)) },
  { name: 'Clip min −0.5 max 0.7', build: () => single('Clip', a3, awayFrom(24, 84, [-0.5, 0.7], -1, 1), {}, { lo: floatTensor([], [-0.5]), hi: floatTensor([], [0.7]) }) },
  { name: 'Clip min 0 only (max omitted)', build: () => ({ inputShape: a3, nodes: [node('Clip', ['x', 'lo', ''], 'y')], constants: { lo: floatTensor([], [0]) }, x: awayFrom(24, 85, [0]) }) },
  { name: 'Clip at opset 6 (min and max as attributes)', build: () => single('Clip', a3, awayFrom(24, 86, [0, 6], -2, 8), { min: float(0), max: float(6) }, {}, 6) },
  { name: 'Erf', build: () => single('Erf', a3, smooth(a3, 87)) },
  { name: 'Gelu (exact, opset 20)', build: () => single('Gelu', a3, smooth(a3, 88, -3, 3), {}, {}, 20) },
  { name: 'Gelu approximate tanh (opset 20)', build: () => single('Gelu', a3, smooth(a3, 89, -3, 3), { approximate: 'tanh' }, {}, 20) },
  { name: 'Softmax axis −1', build: () => single('Softmax', [3, 4], smooth([3, 4], 90), { axis: -1 }) },
  { name: 'Softmax axis 1 (not the last, opset 13)', build: () => single('Softmax', [3, 4], smooth([3, 4], 91), { axis: 1 }) },
  { name: 'LogSoftmax axis −1', build: () => single('LogSoftmax', [3, 4], smooth([3, 4], 92), { axis: -1 }) },
  { name: 'Exp', build: () => single('Exp', a3, smooth(a3, 93)) },
  { name: 'Log (x in [0.5, 2])', build: () => single('Log', a3, smooth(a3, 94, 0.5, 2)) },
  { name: 'Sqrt (x in [0.5, 2])', build: () => single('Sqrt', a3, smooth(a3, 95, 0.5, 2)) },
  { name: 'Abs', build: () => single('Abs', a3, awayFrom(24, 96, [0])) },
  { name: 'Neg', build: () => single('Neg', a3, smooth(a3, 97)) },
  { name: 'Reciprocal (x in [0.5, 2])', build: () => single('Reciprocal', a3, smooth(a3, 98, 0.5, 2)) },

  // ---- values moved around ----
  { name: 'Reshape [2,3,4] → [0, 4, −1]', build: () => ({ inputShape: a3, nodes: [node('Reshape', ['x', 's'], 'r'), node('Tanh', ['r'], 'y')], constants: { s: int64Tensor([0, 4, -1]) }, x: smooth(a3, 99) }) },
  { name: 'Flatten axis 1', build: () => ({ inputShape: a3, nodes: [node('Flatten', ['x'], 'f', { axis: 1 }), node('Sigmoid', ['f'], 'y')], x: smooth(a3, 100) }) },
  {
    name: 'Squeeze axes [2] and Unsqueeze axes [1, −1] (opset 13 inputs)',
    build: () => ({
      inputShape: [3, 1, 2],
      nodes: [node('Squeeze', ['x', 'sa'], 's'), node('Tanh', ['s'], 't'), node('Unsqueeze', ['t', 'ua'], 'y')],
      constants: { sa: int64Tensor([2]), ua: int64Tensor([1, -1]) },
      x: smooth([3, 1, 2], 101),
      opset: 13,
    }),
  },
  { name: 'Transpose perm [0, 2, 3, 1] (not its own inverse)', build: () => ({ inputShape: a3, nodes: [node('Transpose', ['x'], 't', { perm: [0, 2, 3, 1] }), node('Tanh', ['t'], 'y')], x: smooth(a3, 102) }) },
  {
    name: 'Concat axis 2 of 2x, x and Sigmoid(x)',
    build: () => ({
      inputShape: [2, 3],
      nodes: [node('Mul', ['x', 'two'], 'm'), node('Sigmoid', ['x'], 's'), node('Concat', ['m', 'x', 's'], 'c', { axis: 2 }), node('Tanh', ['c'], 'y')],
      constants: { two: floatTensor([], [2]) },
      x: smooth([2, 3], 103),
    }),
  },
  {
    name: 'Split axis −1 into [1, 2] (opset 13 input), both parts used',
    build: () => ({
      inputShape: [4, 3],
      nodes: [node('Split', ['x', 'sizes'], ['a', 'b'], { axis: -1 }), node('Tanh', ['b'], 't'), node('Mul', ['a', 'three'], 'm'), node('Concat', ['t', 'm'], 'y', { axis: 2 })],
      constants: { sizes: int64Tensor([1, 2]), three: floatTensor([], [3]) },
      x: smooth([4, 3], 104),
      opset: 13,
    }),
  },
  { name: 'Split in three equal parts, the middle one unused', build: () => ({ inputShape: [6, 2], nodes: [node('Split', ['x'], ['a', 'b', 'c'], { axis: 1 }), node('Mul', ['a', 'c'], 'y')], x: smooth([6, 2], 105) }) },
  {
    name: 'Slice starts [1, −4] ends [3, 100] axes [1, 2]',
    build: () => ({
      inputShape: [4, 5],
      nodes: [node('Slice', ['x', 'starts', 'ends', 'axes'], 's'), node('Tanh', ['s'], 'y')],
      constants: { starts: int64Tensor([1, -4]), ends: int64Tensor([3, 100]), axes: int64Tensor([1, 2]) },
      x: smooth([4, 5], 106),
    }),
  },
  {
    name: 'Pad constant 0.5, pads [0,0,1,2, 0,0,2,1]',
    build: () => ({
      inputShape: [2, 3, 3],
      nodes: [node('Pad', ['x', 'pads', 'value'], 'p', { mode: 'constant' }), node('Tanh', ['p'], 'y')],
      constants: { pads: int64Tensor([0, 0, 1, 2, 0, 0, 2, 1]), value: floatTensor([], [0.5]) },
      x: smooth([2, 3, 3], 107),
    }),
  },
  {
    name: 'Pad with axes [−2, −1] (opset 18)',
    build: () => ({
      inputShape: [2, 3, 3],
      nodes: [node('Pad', ['x', 'pads', '', 'axes'], 'p'), node('Sigmoid', ['p'], 'y')],
      constants: { pads: int64Tensor([1, 0, 2, 1]), axes: int64Tensor([-2, -1]) },
      x: smooth([2, 3, 3], 108),
      opset: 18,
    }),
  },
  {
    name: 'Gather a permutation [2, −3, 1] along axis 1',
    build: () => ({ inputShape: [3, 2], nodes: [node('Gather', ['x', 'order'], 'g', { axis: 1 }), node('Mul', ['g', 'c'], 'y')], constants: { order: int64Tensor([2, -3, 1]), c: floatTensor([3, 1], [1, 2, 3]) }, x: smooth([3, 2], 109) }),
  },
  {
    name: 'Gather one index (a scalar) along axis 1: x[:, 1], the class-token read',
    build: () => ({ inputShape: [3, 4], nodes: [node('Gather', ['x', 'index'], 'g', { axis: 1 }), node('Mul', ['g', 'c'], 'y')], constants: { index: int64Tensor([1], []), c: floatTensor([4], uniform(4, 113)) }, x: smooth([3, 4], 114) }),
  },
  {
    name: 'Gather repeated and negative indices [[0, −1], [0, 1]] along axis 2 (the cotangents add up)',
    build: () => ({
      inputShape: [2, 3],
      nodes: [node('Gather', ['x', 'indices'], 'g', { axis: 2 }), node('Mul', ['g', 'c'], 'y')],
      constants: { indices: int64Tensor([0, -1, 0, 1], [2, 2]), c: floatTensor([2, 2], uniform(4, 115)) },
      x: smooth([2, 3], 116),
    }),
  },
  {
    name: 'LayerNormalization over the last axis, scale and bias [4]',
    build: () => single('LayerNormalization', a3, smooth(a3, 117), { axis: -1, epsilon: float(1e-5) }, { scale: floatTensor([4], uniform(4, 118, 0.5, 2)), bias: floatTensor([4], uniform(4, 119)) }),
  },
  {
    name: 'LayerNormalization over axes 2… (axis 2 of [N, 2, 3, 4]), scale [3, 4]',
    build: () => single('LayerNormalization', a3, smooth(a3, 120), { axis: 2 }, { scale: floatTensor([3, 4], uniform(12, 121, 0.5, 2)) }),
  },
  {
    name: 'Expand [3,1] to [1,3,4]',
    build: () => ({ inputShape: [3, 1], nodes: [node('Expand', ['x', 'shape'], 'e'), node('Mul', ['e', 'c'], 'y')], constants: { shape: int64Tensor([1, 3, 4]), c: floatTensor([4], uniform(4, 110)) }, x: smooth([3, 1], 111) }),
  },
];

for (const { name, build } of cases) {
  test(name, async () => {
    const check = await checkGradient(build());
    assert.ok(check.numeric.some((v) => Math.abs(v) > 1e-2), 'the finite differences are not all zero (the case can fail)');
    assert.ok(check.worst <= tolerance, `the VJP differs from finite differences by ${check.worst.toExponential(2)} (relative)`);
    assert.ok(check.batchDifference <= 1e-5, `row 0's gradient changes by ${check.batchDifference} next to another row`);
  });
}

test('every op with a backward rule has a case above', () => {
  const covered = new Set(cases.flatMap(({ build }) => build().nodes.map((n) => n.op)));
  const missing = Object.keys(backwardRules).filter((op) => !covered.has(op));
  assert.deepEqual(missing, []);
});

test('the finite-difference check fails a wrong gradient: another cotangent than the one differentiated', async () => {
  const c = single('Tanh', a3, smooth(a3, 112));
  const right = await checkGradient(c, 1);
  const wrong = await checkGradient(c, 2);
  // Seeds 1 and 2 draw different cotangents; each check is consistent with its own…
  assert.ok(right.worst <= tolerance && wrong.worst <= tolerance);
  // …and one's VJP is far from the other's finite differences.
  let gap = 0;
  for (let i = 0; i < right.analytic.length; i++) gap = Math.max(gap, Math.abs(right.analytic[i] - wrong.numeric[i]));
  assert.ok(gap > 100 * tolerance, `gap ${gap}`);
});

// ---- maximum ties: the first maximum in row-major order takes the whole cotangent ----

test('MaxPool tie: one window over equal maxima routes the cotangent to the first', async () => {
  const c = single('MaxPool', [1, 2, 3], Float32Array.of(5, 1, 5, 5, 2, 0), { kernel_shape: [2, 3] });
  assert.deepEqual(Array.from(await inputGradient(c, Float32Array.of(0.75))), [0.75, 0, 0, 0, 0, 0]);
});

test('MaxPool ties in overlapping windows: each window picks its own first maximum, shared ones add up', async () => {
  // Windows [0,1], [1,2], [2,3] over 3, 3, 3, 1: their first maxima are 0, 1 and 2.
  const c = single('MaxPool', [1, 1, 4], Float32Array.of(3, 3, 3, 1), { kernel_shape: [1, 2], strides: [1, 1] });
  assert.deepEqual(Array.from(await inputGradient(c, Float32Array.of(1, 2, 4))), [1, 2, 4, 0]);
  // Windows [0,1,2] and [1,2,3] over 1, 3, 3, 3: both pick index 1, which gets both cotangents.
  const shared = single('MaxPool', [1, 1, 4], Float32Array.of(1, 3, 3, 3), { kernel_shape: [1, 3], strides: [1, 1] });
  assert.deepEqual(Array.from(await inputGradient(shared, Float32Array.of(1, 2))), [0, 3, 0, 0]);
});

test('GlobalMaxPool and ReduceMax ties go to the first maximum in row-major order', async () => {
  const global = single('GlobalMaxPool', [2, 2, 2], Float32Array.of(0, 4, 4, 4, 7, 1, 7, 7));
  assert.deepEqual(Array.from(await inputGradient(global, Float32Array.of(2, 3))), [0, 2, 0, 0, 3, 0, 0, 0]);
  const reduce = single('ReduceMax', [2, 3], Float32Array.of(1, 2, 2, 9, 9, 9), { axes: [1, 2], keepdims: 0 });
  assert.deepEqual(Array.from(await inputGradient(reduce, Float32Array.of(5))), [0, 0, 0, 5, 0, 0]);
  const rows = single('ReduceMax', [2, 3], Float32Array.of(1, 2, 2, 9, 9, 9), { axes: [2], keepdims: 1 });
  assert.deepEqual(Array.from(await inputGradient(rows, Float32Array.of(5, 6))), [0, 5, 0, 6, 0, 0]);
});

test('Max and Min ties go to the first operand, as TensorFlow\'s Maximum/Minimum gradients do', async () => {
  const c = { c: floatTensor([3], [1, 2, 3]) };
  assert.deepEqual(Array.from(await inputGradient(single('Max', [3], Float32Array.of(1, 2, 3), {}, c), Float32Array.of(4, 5, 6))), [4, 5, 6]);
  const second = { inputShape: [3], nodes: [node('Min', ['c', 'x'], 'y')], constants: c, x: Float32Array.of(1, 2, 3) };
  assert.deepEqual(Array.from(await inputGradient(second, Float32Array.of(4, 5, 6))), [0, 0, 0]);
});

// ---- Relu and Clip masks are exact at the bounds and at the floats next to them ----

/** The float32 next to `value` towards +∞ (up) or −∞. */
function nextFloat(value: number, up: boolean): number {
  const f = new Float32Array([value]);
  const bits = new Int32Array(f.buffer);
  if (value === 0) return up ? 2 ** -149 : -(2 ** -149);
  bits[0] += (value > 0) === up ? 1 : -1;
  return f[0];
}

test('Relu passes the whole gradient for every positive input down to 2^-126, none at 0 or below', async () => {
  const x = Float32Array.of(0, -0, 2 ** -126, 1e-30, 1e-7, 3e38, -(2 ** -126), -5, 1);
  const c = single('Relu', [x.length], x);
  assert.deepEqual(Array.from(await inputGradient(c, Float32Array.from(x, (_, i) => i + 1)), (v) => v + 0), [0, 0, 3, 4, 5, 6, 0, 0, 9]);
});

test('Clip passes the whole gradient strictly inside its bounds, none on them, for bounds of every scale', async () => {
  for (const [low, high] of [
    [0, 6],
    [-0.5, 0.7],
    [4, 8],
    [-1e30, 1e-30],
    [1e-30, 3e38],
  ]) {
    const [lo, hi] = [Math.fround(low), Math.fround(high)];
    // Beside a bound of 0 the first float checked is the smallest normal one (stepScale: a subnormal closer than 2^-127 gets a fraction).
    const above = lo === 0 ? 2 ** -126 : nextFloat(lo, true);
    const x = Float32Array.of(lo, hi, above, nextFloat(hi, false), Math.fround((lo + hi) / 2), nextFloat(lo, false), nextFloat(hi, true));
    const c = single('Clip', [x.length], x, {}, { lo: floatTensor([], [lo]), hi: floatTensor([], [hi]) });
    const g = await inputGradient(c, Float32Array.of(1, 2, 3, 4, 5, 6, 7));
    // (+ 0 reads −0 as 0.)
    assert.deepEqual(Array.from(g, (v) => v + 0), [0, 0, 3, 4, 5, 0, 0], `Clip(${lo}, ${hi})`);
  }
});

test('a strided depthwise Conv’s adjoint spreads the cotangent with a 1×1 ConvTranspose and convolves it; a dense one keeps ConvTranspose', async () => {
  const transposedKernels = (name: string) => {
    const c = cases.find((entry) => entry.name === name);
    assert.ok(c, name);
    const { nodes } = withInputGradientOf(c.build());
    return nodes.filter((n) => n.op === 'ConvTranspose').map((n) => (n.attributes.kernel_shape?.kind === 'ints' ? n.attributes.kernel_shape.value : []));
  };
  assert.deepEqual(transposedKernels('Conv depthwise strides 2, pads [0,0,1,1] (TensorFlow SAME on an even size, as MobileNetV2)'), [[1, 1]]);
  assert.deepEqual(transposedKernels('Conv depthwise strides [2,3], dilations 2, on 9x11 without padding (rows and columns never reached)'), [[1, 1]]);
  assert.deepEqual(transposedKernels('Conv 1-D depthwise stride 3, pads [2,1]'), [[1]]);
  assert.deepEqual(transposedKernels('Conv strides 2, asymmetric pads [1,0,2,1], dilations [2,1], bias'), [[3, 3]]);
});
