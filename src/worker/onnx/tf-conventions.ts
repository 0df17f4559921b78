/**
 * TensorFlow's (and Keras's) conventions in ONNX's terms, shared by the layers-model and the
 * graph-model translators: axis orders, 'same' padding, and the activations that are one ONNX op.
 */
import type { AttributeValue } from './onnx-graph';

/** Transpose permutations between TF's NHWC and ONNX's NCHW. */
export const toNchw = [0, 3, 1, 2];
export const toNhwc = [0, 2, 3, 1];

/** A TF NHWC axis (1..3) as the NCHW axis. */
export function nchwAxis(axis: number): number {
  return axis === 3 ? 1 : axis + 1;
}

/**
 * TF's 'same' padding of one spatial axis, [before, after]: the odd pixel goes at the end, as
 * ONNX's SAME_UPPER would put it, but ONNX Runtime refuses SAME_UPPER with dilations, so the
 * translators write the pads out.
 */
export function samePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const span = (kernel - 1) * dilation + 1;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + span - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** TF.js activation names that are a single ONNX op on one input, with TF.js's constants. */
interface UnaryOp {
  op: string;
  attributes: Record<string, AttributeValue>;
}

export const unaryActivations: ReadonlyMap<string, UnaryOp> = new Map<string, UnaryOp>([
  ['relu', { op: 'Relu', attributes: {} }],
  ['sigmoid', { op: 'Sigmoid', attributes: {} }],
  ['tanh', { op: 'Tanh', attributes: {} }],
  ['elu', { op: 'Elu', attributes: { alpha: { float: 1 } } }],
  ['selu', { op: 'Selu', attributes: { alpha: { float: 1.6732632423543772 }, gamma: { float: 1.0507009873554805 } } }],
  ['softplus', { op: 'Softplus', attributes: {} }],
  ['softsign', { op: 'Softsign', attributes: {} }],
  ['hardSigmoid', { op: 'HardSigmoid', attributes: { alpha: { float: 0.2 }, beta: { float: 0.5 } } }],
]);
