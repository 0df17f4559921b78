import type { Node } from '../ir';
import { describeNode } from '../ir';
import type { Emitter } from './emitter';
import type { Shape } from '../fold';

/**
 * A backward rule: given a forward node and the cotangents of its outputs (null where an output
 * has none), emits the cotangents of its inputs (null where an input needs none). `active[i]`
 * says whether input i depends on the graph input; a rule computes only those.
 */
export type Rule = (e: Emitter, node: Node, grads: readonly (string | null)[], active: readonly boolean[]) => (string | null)[];

/** An op, or a use of it, that has no backward rule here. */
export class NotDifferentiable extends Error {}

export function refuse(node: Node, why: string): never {
  throw new NotDifferentiable(`${describeNode(node)}: ${why}`);
}

/**
 * Sums `g` (shaped `from`) over the axes broadcasting added, so that it has shape `to`
 * (numpy broadcasting, right-aligned).
 */
export function unbroadcast(e: Emitter, g: string, from: Shape, to: Shape): string {
  if (from.length === to.length && from.every((d, i) => d === to[i])) return g;
  const offset = from.length - to.length;
  const axes: number[] = [];
  from.forEach((d, i) => {
    const target = i < offset ? null : to[i - offset];
    if (target === null || (target === 1 && d !== 1)) axes.push(i);
  });
  let summed = g;
  if (axes.length > 0) summed = e.node('ReduceSum', [g], { axes, keepdims: 1 });
  return e.reshape(summed, to);
}
