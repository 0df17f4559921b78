/**
 * The paper's network (Table 2, a truncated VGG): conv 3x3 ReLU 64, 64, max pool, 128, 128,
 * max pool, [256, 256,] global max pool, dense 512 ReLU, dense 1 sigmoid; 'same' padding.
 * CIFAR-10 uses all of it; Fashion-MNIST and GTSRB drop Conv-5 and Conv-6 (Section 7.2.2).
 * `width` scales every channel count (1 = the paper). Weights are seeded, so a network built
 * twice with the same options is the same network.
 */
import type * as tfLayers from '@tensorflow/tfjs-layers';

type Tfl = typeof tfLayers;

export const paperChannels = { conv1: 64, conv2: 64, conv3: 128, conv4: 128, conv5: 256, conv6: 256, dense: 512 } as const;

export interface PaperNetworkOptions {
  /** [height, width, channels] of the input, pixel values in [0,1]. */
  inputShape: [number, number, number];
  /** Keep Conv-5 and Conv-6 (CIFAR-10) or drop them (Fashion-MNIST, GTSRB). */
  conv56: boolean;
  /** Channel multiplier; 1 is the paper's network. */
  width: number;
  seed: number;
  /** Dropout rate after each convolutional block (training only); 0 adds no dropout layers. */
  dropout: number;
}

export function scaledChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

export function paperNetwork(tfl: Tfl, options: PaperNetworkOptions): tfLayers.Sequential {
  const { width, seed } = options;
  const initializer = (layer: number) => tfl.initializers.glorotUniform({ seed: seed * 100 + layer });
  const model = tfl.sequential({ name: options.conv56 ? 'paper_vgg_cifar' : 'paper_vgg_fashion_mnist' });
  model.add(tfl.layers.inputLayer({ inputShape: options.inputShape, name: 'image' }));
  let layer = 0;
  const conv = (channels: number) => {
    layer++;
    model.add(
      tfl.layers.conv2d({
        filters: scaledChannels(channels, width),
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: initializer(layer),
        name: `conv${layer}`,
      }),
    );
  };
  let block = 0;
  const closeBlock = () => {
    block++;
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: `pool${block}` }));
    // No dropout seed: tfjs-layers would reuse it, hence one mask, on every batch.
    if (options.dropout > 0) model.add(tfl.layers.dropout({ rate: options.dropout, name: `dropout${block}` }));
  };
  conv(paperChannels.conv1);
  conv(paperChannels.conv2);
  closeBlock();
  conv(paperChannels.conv3);
  conv(paperChannels.conv4);
  if (options.conv56) {
    closeBlock();
    conv(paperChannels.conv5);
    conv(paperChannels.conv6);
  } else {
    // Table 2's second max pool stays, as in the paper's Fashion-MNIST network.
    closeBlock();
  }
  model.add(tfl.layers.globalMaxPooling2d({ name: 'global_pool' }));
  model.add(
    tfl.layers.dense({ units: scaledChannels(paperChannels.dense, width), activation: 'relu', kernelInitializer: initializer(7), name: 'dense1' }),
  );
  model.add(tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: initializer(8), name: 'output' }));
  return model;
}
