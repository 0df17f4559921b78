/** Backward rules of normalisations whose statistics are computed from the input (LayerNormalization). */
import { floatAttribute, intAttribute } from '../ir';
import { normaliseAxes } from '../fold';
import { refuse, type Rule } from './rule';

export const normalizationRules: Record<string, Rule> = {
  /**
   * y = x̂·γ + β with x̂ = (x − μ)·r, r = 1/√(σ² + ε) over the axes from `axis` on:
   *     ∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),  ĝ = g·γ.
   * μ and r are recomputed here rather than read from the optional outputs, which exporters omit.
   */
  LayerNormalization: (e, node, grads, active) => {
    const [g, gMean, gInvStd] = grads;
    if (gMean || gInvStd) refuse(node, 'its mean and inverse standard deviation outputs are used');
    if (active.slice(1).some(Boolean)) refuse(node, 'its scale or bias depends on the input');
    if (g === null) return node.inputs.map(() => null);
    const [input, scale] = node.inputs;
    const rank = e.shapeOf(input).length;
    const first = normaliseAxes([intAttribute(node, 'axis', -1)], rank)[0];
    const axes = Array.from({ length: rank - first }, (_, i) => first + i);
    if (axes.some((axis) => e.shapeOf(input)[axis] === 'N')) refuse(node, 'it normalises over the batch axis');
    const mean = (value: string) => e.node('ReduceMean', [value], { axes, keepdims: 1 });
    const centered = e.node('Sub', [input, mean(input)]);
    const variance = mean(e.mul(centered, centered));
    const epsilon = floatAttribute(node, 'epsilon', 1e-5);
    const inverseStd = e.node('Reciprocal', [e.node('Sqrt', [e.node('Add', [variance, e.scalar(epsilon)])])]);
    const normalized = e.mul(centered, inverseStd);
    const scaled = e.mul(g, scale);
    const inner = e.node('Sub', [e.node('Sub', [scaled, mean(scaled)]), e.mul(normalized, mean(e.mul(scaled, normalized)))]);
    return [e.mul(inverseStd, inner), ...node.inputs.slice(1).map(() => null)];
  },
};
