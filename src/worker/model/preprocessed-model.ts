/**
 * A TF.js model with the run's preprocessing in front (--preprocess), for the TF.js path: the
 * same function the ONNX path folds into its graph (src/protocol/preprocessing.ts), so norms stay
 * in [0, 1] pixel units whichever engine runs the model.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { channelParameters, defaultPreprocessing, type Preprocessing } from '../../protocol/preprocessing';
import type { Tf } from '../tf';
import type { LoadedModel } from './loaded-model';

export function preprocessedModel(tf: Tf, model: LoadedModel, preprocessing: Preprocessing = defaultPreprocessing): LoadedModel {
  const { order, multiply, offset } = channelParameters(preprocessing, model.geometry.channels);
  if (!order && multiply.every((m) => m === 1) && offset.every((o) => o === 0)) return model;
  const channelAxis = model.geometry.shape.length; // the last axis of [N, H, W, C] (a size-1 gray axis broadcasts)
  const prepare = (batch: Tensor): Tensor => {
    let x = order ? tf.gather(batch, order, channelAxis) : batch;
    x = tf.add(tf.mul(x, tf.tensor1d(multiply)), tf.tensor1d(offset));
    return x;
  };
  const { toOnnx } = model;
  return {
    ...model,
    outputs: (batch: Tensor) => tf.tidy(() => model.outputs(prepare(batch))) as Tensor2D,
    logits: (batch: Tensor) => model.logits(prepare(batch)),
    // The ONNX path folds the preprocessing into the graph itself (compute-graph.ts).
    toOnnx: toOnnx && (() => toOnnx.call(model)),
    dispose: () => model.dispose(),
  };
}
