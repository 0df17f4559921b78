/** Backward rules of elementwise ops: arithmetic with broadcasting, activations, softmax. */
import { floatAttribute, intAttribute, stringAttribute, type Node } from '../ir';
import type { Emitter } from './emitter';
import { refuse, unbroadcast, type Rule } from './rule';

const x = (node: Node) => node.inputs[0];
const y = (node: Node) => node.outputs[0];

/** A rule for a one-input op whose local derivative is `derivative(e, node)`. */
const unary =
  (derivative: (e: Emitter, node: Node, g: string) => string): Rule =>
  (e, node, [g]) =>
    [g === null ? null : derivative(e, node, g), ...node.inputs.slice(1).map(() => null)];

const passThrough: Rule = (_e, node, [g]) => [g, ...node.inputs.slice(1).map(() => null)];

function binary(gradients: (e: Emitter, node: Node, g: string, which: 0 | 1) => string): Rule {
  return (e, node, [g], active) => {
    if (g === null) return [null, null];
    const out = e.shapeOf(y(node));
    return [0, 1].map((i) => (active[i] ? unbroadcast(e, gradients(e, node, g, i as 0 | 1), out, e.shapeOf(node.inputs[i])) : null));
  };
}

const sigmoidOf = (e: Emitter, value: string) => e.node('Sigmoid', [value]);
const oneMinus = (e: Emitter, value: string) => e.node('Sub', [e.scalar(1), value]);
const square = (e: Emitter, value: string) => e.mul(value, value);

export const elementwiseRules: Record<string, Rule> = {
  Identity: passThrough,
  Dropout: passThrough,
  Cast: passThrough,
  Add: binary((_e, _node, g) => g),
  Sub: binary((e, _node, g, which) => (which === 0 ? g : e.node('Neg', [g]))),
  Mul: binary((e, node, g, which) => e.mul(g, node.inputs[1 - which])),
  Div: binary((e, node, g, which) => {
    const b = node.inputs[1];
    if (which === 0) return e.node('Div', [g, b]);
    return e.node('Neg', [e.node('Div', [e.mul(g, y(node)), b])]);
  }),
  Pow: (e, node, [g], active) => {
    if (active[1]) refuse(node, 'the exponent depends on the input');
    if (g === null) return [null, null];
    const [a, b] = node.inputs;
    const derivative = e.mul(b, e.node('Pow', [a, e.node('Sub', [b, e.scalar(1)])]));
    return [unbroadcast(e, e.mul(g, derivative), e.shapeOf(y(node)), e.shapeOf(a)), null];
  },
  Sum: (e, node, [g], active) => node.inputs.map((input, i) => (g !== null && active[i] ? unbroadcast(e, g, e.shapeOf(y(node)), e.shapeOf(input)) : null)),
  Mean: (e, node, [g], active) => {
    if (g === null) return node.inputs.map(() => null);
    const scaled = e.mul(g, e.scalar(1 / node.inputs.length));
    return node.inputs.map((input, i) => (active[i] ? unbroadcast(e, scaled, e.shapeOf(y(node)), e.shapeOf(input)) : null));
  },
  // Ties go to the first operand, as TensorFlow's Maximum/Minimum gradients do.
  Max: binary((e, node, g, which) => pick(e, node, g, which, 'GreaterOrEqual')),
  Min: binary((e, node, g, which) => pick(e, node, g, which, 'LessOrEqual')),
  Neg: unary((e, _node, g) => e.node('Neg', [g])),
  // Relu's and Clip's masks read the output, which is inside the bounds exactly where the input
  // is (ties included): the Conv before them then keeps the activation fused into it.
  Relu: unary((e, node, g) => e.keepInside(g, y(node), 0, null)),
  LeakyRelu: unary((e, node, g) => e.where(e.node('Greater', [x(node), e.scalar(0)]), g, e.mul(g, e.scalar(floatAttribute(node, 'alpha', 0.01))))),
  PRelu: (e, node, [g], active) => {
    if (active[1]) refuse(node, 'the slope depends on the input');
    if (g === null) return [null, null];
    const slope = e.mul(g, node.inputs[1]);
    const grad = e.where(e.node('Greater', [x(node), e.scalar(0)]), g, slope);
    return [unbroadcast(e, grad, e.shapeOf(y(node)), e.shapeOf(x(node))), null];
  },
  Elu: unary((e, node, g) => {
    const alpha = floatAttribute(node, 'alpha', 1);
    return e.where(e.node('Greater', [x(node), e.scalar(0)]), g, e.mul(g, e.node('Add', [y(node), e.scalar(alpha)])));
  }),
  Selu: unary((e, node, g) => {
    const alpha = floatAttribute(node, 'alpha', 1.6732632423543772);
    const gamma = floatAttribute(node, 'gamma', 1.0507009873554805);
    const negative = e.mul(g, e.node('Add', [y(node), e.scalar(alpha * gamma)]));
    return e.where(e.node('Greater', [x(node), e.scalar(0)]), e.mul(g, e.scalar(gamma)), negative);
  }),
  Sigmoid: unary((e, node, g) => e.mul(g, e.mul(y(node), oneMinus(e, y(node))))),
  Tanh: unary((e, node, g) => e.mul(g, oneMinus(e, square(e, y(node))))),
  Softplus: unary((e, node, g) => e.mul(g, sigmoidOf(e, x(node)))),
  Softsign: unary((e, node, g) => e.node('Div', [g, square(e, e.node('Add', [e.scalar(1), e.node('Abs', [x(node)])]))])),
  Exp: unary((e, node, g) => e.mul(g, y(node))),
  Log: unary((e, node, g) => e.node('Div', [g, x(node)])),
  Sqrt: unary((e, node, g) => e.node('Div', [g, e.mul(y(node), e.scalar(2))])),
  Abs: unary((e, node, g) => e.mul(g, e.node('Sign', [x(node)]))),
  Reciprocal: unary((e, node, g) => e.node('Neg', [e.mul(g, square(e, y(node)))])),
  // α where 0 < αx + β < 1, which is where the output is strictly inside (0, 1).
  HardSigmoid: unary((e, node, g) => e.keepInside(e.mul(g, e.scalar(floatAttribute(node, 'alpha', 0.2))), y(node), 0, 1)),
  // PyTorch's hardswish_backward: 0 below −3, x/3 + 1/2 up to 3 (inclusive), 1 above.
  HardSwish: unary((e, node, g) => {
    const slope = e.node('Add', [e.mul(x(node), e.scalar(1 / 3)), e.scalar(0.5)]);
    const upper = e.where(e.node('LessOrEqual', [x(node), e.scalar(3)]), slope, e.scalar(1));
    return e.mul(g, e.where(e.node('Less', [x(node), e.scalar(-3)]), e.scalar(0), upper));
  }),
  // Zero gradient on the bounds, as TensorFlow's Relu6Grad and PyTorch's hardtanh_backward.
  Clip: (e, node, [g]) => {
    if (g === null) return node.inputs.map(() => null);
    const rest = node.inputs.slice(1).map(() => null);
    const [low, high] = [constantBound(e, node.inputs[1]), constantBound(e, node.inputs[2])];
    if (low !== undefined && high !== undefined) return [e.keepInside(g, y(node), low, high), ...rest];
    // Bounds computed from the input: compare with them.
    let mask: string | null = null;
    const and = (condition: string) => (mask = mask === null ? condition : e.node('And', [mask, condition]));
    if (node.inputs[1]) and(e.node('Greater', [y(node), node.inputs[1]]));
    if (node.inputs[2]) and(e.node('Less', [y(node), node.inputs[2]]));
    return [mask === null ? g : e.masked(mask, g), ...rest];
  },
  Erf: unary((e, node, g) => e.mul(g, e.mul(e.scalar(2 / Math.sqrt(Math.PI)), e.node('Exp', [e.node('Neg', [square(e, x(node))])])))),
  Gelu: unary((e, node, g) => {
    if (stringAttribute(node, 'approximate', 'none') === 'tanh') {
      // y = x/2·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³): y' = (1 + t)/2 + x/2·(1 − t²)·u'.
      const k = Math.sqrt(2 / Math.PI);
      const value = x(node);
      const cube = e.mul(value, square(e, value));
      const t = e.node('Tanh', [e.mul(e.scalar(k), e.node('Add', [value, e.mul(cube, e.scalar(0.044715))]))]);
      const du = e.mul(e.scalar(k), e.node('Add', [e.scalar(1), e.mul(square(e, value), e.scalar(3 * 0.044715))]));
      const first = e.mul(e.node('Add', [e.scalar(1), t]), e.scalar(0.5));
      const second = e.mul(e.mul(e.mul(value, e.scalar(0.5)), oneMinus(e, square(e, t))), du);
      return e.mul(g, e.node('Add', [first, second]));
    }
    // y = x·Φ(x): y' = Φ(x) + x·φ(x).
    const value = x(node);
    const phi = e.mul(e.scalar(1 / Math.sqrt(2 * Math.PI)), e.node('Exp', [e.mul(square(e, value), e.scalar(-0.5))]));
    const cdf = e.mul(e.node('Add', [e.scalar(1), e.node('Erf', [e.mul(value, e.scalar(Math.SQRT1_2))])]), e.scalar(0.5));
    return e.mul(g, e.node('Add', [cdf, e.mul(value, phi)]));
  }),
  Softmax: unary((e, node, g) => {
    const axis = intAttribute(node, 'axis', -1);
    const weighted = e.mul(g, y(node));
    const total = e.node('ReduceSum', [weighted], { axes: [axis], keepdims: 1 });
    return e.mul(y(node), e.node('Sub', [g, total]));
  }),
  LogSoftmax: unary((e, node, g) => {
    const axis = intAttribute(node, 'axis', -1);
    const total = e.node('ReduceSum', [g], { axes: [axis], keepdims: 1 });
    return e.node('Sub', [g, e.mul(e.node('Exp', [y(node)]), total)]);
  }),
};

/** A Clip bound's value: null when omitted, undefined when it is not a one-value constant. */
function constantBound(e: Emitter, name: string | undefined): number | null | undefined {
  if (!name) return null;
  const tensor = e.graph.initializers.get(name);
  if (tensor?.kind !== 'float' || tensor.values.length !== 1) return undefined;
  return tensor.values[0];
}

function pick(e: Emitter, node: Node, g: string, which: 0 | 1, comparison: 'GreaterOrEqual' | 'LessOrEqual'): string {
  const first = e.node(comparison, [node.inputs[0], node.inputs[1]]);
  return which === 0 ? e.where(first, g) : e.where(first, e.scalar(0), g);
}
