/**
 * MobileNetV2 (Sandler et al. 2018, width 1.0) as a TF.js layers model: a 3x3 stride-2 stem, 17
 * inverted-residual blocks (1x1 expansion, 3x3 depthwise, linear 1x1 projection; batch norm and
 * ReLU6 between, a residual add where the shape allows), a 1x1 conv to 1280, global average
 * pooling and a softmax dense head. About 3.5 M parameters and 0.6 GFLOP at 224×224×3: the size of
 * the pretrained networks users audit. Weights are seeded, so a network built twice is the same.
 */
import type * as tfLayers from '@tensorflow/tfjs-layers';

type Tfl = typeof tfLayers;

export interface MobileNetV2Options {
  inputShape: [number, number, number];
  classes: number;
  seed: number;
}

/** [expansion t, output channels c, repeats n, first stride s] per stage, as in the paper's Table 2. */
const stages: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export function mobileNetV2(tfl: Tfl, options: MobileNetV2Options): tfLayers.LayersModel {
  let layer = 0;
  const initializer = () => tfl.initializers.glorotUniform({ seed: options.seed * 1000 + layer++ });
  const conv = (x: tfLayers.SymbolicTensor, filters: number, kernelSize: number, strides: number, name: string) =>
    tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: initializer(), name }).apply(x) as tfLayers.SymbolicTensor;
  const norm = (x: tfLayers.SymbolicTensor, name: string) => tfl.layers.batchNormalization({ name: `${name}_bn` }).apply(x) as tfLayers.SymbolicTensor;
  const relu6 = (x: tfLayers.SymbolicTensor, name: string) => tfl.layers.reLU({ maxValue: 6, name: `${name}_relu6` }).apply(x) as tfLayers.SymbolicTensor;

  const input = tfl.input({ shape: options.inputShape, name: 'image' });
  let x = relu6(norm(conv(input, 32, 3, 2, 'stem'), 'stem'), 'stem');
  let channels = 32;
  let block = 0;
  for (const [expansion, outputs, repeats, firstStride] of stages) {
    for (let r = 0; r < repeats; r++) {
      const name = `block${++block}`;
      const stride = r === 0 ? firstStride : 1;
      let y = x;
      if (expansion !== 1) y = relu6(norm(conv(y, channels * expansion, 1, 1, `${name}_expand`), `${name}_expand`), `${name}_expand`);
      y = tfl.layers
        .depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: initializer(), name: `${name}_depthwise` })
        .apply(y) as tfLayers.SymbolicTensor;
      y = relu6(norm(y, `${name}_depthwise`), `${name}_depthwise`);
      y = norm(conv(y, outputs, 1, 1, `${name}_project`), `${name}_project`);
      x = stride === 1 && channels === outputs ? (tfl.layers.add({ name: `${name}_add` }).apply([x, y]) as tfLayers.SymbolicTensor) : y;
      channels = outputs;
    }
  }
  x = relu6(norm(conv(x, 1280, 1, 1, 'head'), 'head'), 'head');
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfLayers.SymbolicTensor;
  const logits = tfl.layers.dense({ units: options.classes, activation: 'softmax', kernelInitializer: initializer(), name: 'classes' }).apply(x) as tfLayers.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: 'mobilenet_v2' });
}
