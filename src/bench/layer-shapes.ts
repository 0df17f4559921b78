import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LayerShape } from './flops';

type Shape = (number | null)[];

function withoutBatch(shape: Shape): number[] {
  return shape.slice(1).map((dim) => {
    if (dim === null) throw new Error('a layer has a dynamic dimension besides the batch axis; its FLOPs cannot be counted');
    return dim;
  });
}

function shapeList(shape: Shape | Shape[]): Shape[] {
  return Array.isArray(shape[0]) || shape.length === 0 ? (shape as Shape[]) : [shape as Shape];
}

/** The layers of a built layers model as the FLOP counter sees them. */
export function layerShapesOf(model: LayersModel): LayerShape[] {
  return model.layers.map((layer) => {
    // A layer shared between several calls has several inbound nodes; the first call's shapes stand for all.
    const node = layer.inboundNodes[0];
    if (!node) throw new Error(`layer ${layer.name} is not connected; build the model first`);
    return {
      name: layer.name,
      className: layer.getClassName(),
      config: layer.getConfig() as Record<string, unknown>,
      inputShapes: shapeList(node.inputShapes as Shape | Shape[]).map(withoutBatch),
      outputShape: withoutBatch(shapeList(node.outputShapes as Shape | Shape[])[0]),
    };
  });
}
