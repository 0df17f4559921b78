/**
 * Floating-point operations of one forward pass of a layers model, from its layers' configs and
 * shapes. Conventions: a multiply–add counts 2; a bias add, an activation, a batch-norm scale or
 * shift, and each element a pooling window reads count 1. Layers that move data without arithmetic
 * (input, dropout at inference, flatten, reshape) count 0. Layers it does not know are listed in
 * `uncounted`, so a caller can say the total is a lower bound.
 */

/** What the counter needs of a layer; shapes without the batch axis. */
export interface LayerShape {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** One shape per input (merge layers have several). */
  inputShapes: number[][];
  outputShape: number[];
}

export interface LayerFlops {
  name: string;
  className: string;
  flops: number;
}

export interface FlopCount {
  total: number;
  /** Multiply–adds of convolutions and dense layers (each counted 2 in `total`). */
  multiplyAdds: number;
  layers: LayerFlops[];
  uncounted: string[];
}

const product = (values: readonly number[]): number => values.reduce((a, b) => a * b, 1);

const FREE_LAYERS = new Set([
  'InputLayer', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'Flatten', 'Reshape', 'Permute', 'ZeroPadding2D', 'Cropping2D', 'Concatenate', 'RepeatVector',
]);
const POOLING_LAYERS = new Set(['MaxPooling2D', 'AveragePooling2D', 'MaxPooling1D', 'AveragePooling1D']);
const GLOBAL_POOLING_LAYERS = new Set(['GlobalMaxPooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalAveragePooling1D']);
const ELEMENTWISE_LAYERS = new Set(['Activation', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU', 'Softmax', 'Rescaling']);
const MERGE_LAYERS = new Set(['Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Subtract']);

function activationFlops(config: Record<string, unknown>, outputSize: number): number {
  const activation = config.activation;
  return activation === undefined || activation === null || activation === 'linear' ? 0 : outputSize;
}

function kernelArea(config: Record<string, unknown>, key: string): number {
  const size = config[key];
  if (typeof size === 'number') return size * size;
  if (Array.isArray(size)) return product(size as number[]);
  throw new Error(`layer config has no ${key}`);
}

/** Multiply–adds and the other operations of one layer; null when the layer is unknown. */
function layerCost(layer: LayerShape): { multiplyAdds: number; other: number } | null {
  const { className, config, inputShapes, outputShape } = layer;
  const outputSize = product(outputShape);
  const inputShape = inputShapes[0] ?? [];
  const bias = config.useBias === false ? 0 : outputSize;
  if (FREE_LAYERS.has(className)) return { multiplyAdds: 0, other: 0 };
  switch (className) {
    case 'Conv2D':
    case 'Conv1D': {
      const inChannels = inputShape[inputShape.length - 1];
      const groups = typeof config.groups === 'number' ? config.groups : 1;
      const macs = outputSize * kernelArea(config, 'kernelSize') * (inChannels / groups);
      return { multiplyAdds: macs, other: bias + activationFlops(config, outputSize) };
    }
    case 'DepthwiseConv2D': {
      return { multiplyAdds: outputSize * kernelArea(config, 'kernelSize'), other: bias + activationFlops(config, outputSize) };
    }
    case 'Dense': {
      const inFeatures = inputShape[inputShape.length - 1];
      return { multiplyAdds: outputSize * inFeatures, other: bias + activationFlops(config, outputSize) };
    }
    case 'BatchNormalization':
      return { multiplyAdds: 0, other: 2 * outputSize };
  }
  if (POOLING_LAYERS.has(className)) return { multiplyAdds: 0, other: outputSize * kernelArea(config, 'poolSize') };
  if (GLOBAL_POOLING_LAYERS.has(className)) return { multiplyAdds: 0, other: product(inputShape) };
  if (ELEMENTWISE_LAYERS.has(className)) return { multiplyAdds: 0, other: outputSize };
  if (MERGE_LAYERS.has(className)) return { multiplyAdds: 0, other: outputSize * Math.max(0, inputShapes.length - 1) };
  return null;
}

export function countFlops(layers: readonly LayerShape[]): FlopCount {
  let total = 0;
  let multiplyAdds = 0;
  const perLayer: LayerFlops[] = [];
  const uncounted: string[] = [];
  for (const layer of layers) {
    const cost = layerCost(layer);
    if (!cost) {
      uncounted.push(`${layer.name} (${layer.className})`);
      continue;
    }
    const flops = 2 * cost.multiplyAdds + cost.other;
    multiplyAdds += cost.multiplyAdds;
    total += flops;
    perLayer.push({ name: layer.name, className: layer.className, flops });
  }
  return { total, multiplyAdds, layers: perLayer, uncounted };
}
