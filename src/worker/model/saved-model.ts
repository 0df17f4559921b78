/**
 * A TensorFlow SavedModel folder, run by the native TensorFlow backend's tf.node.loadSavedModel
 * (@tensorflow/tfjs-node[-gpu]); the bundled wasm and cpu backends cannot read one.
 * tf.node.loadSavedModel runs the whole graph as one TensorFlow call, which TF.js cannot
 * differentiate: forward passes work, and the attack's gradient fails with the conversion to use.
 */
import type { NamedTensorMap, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Tf } from '../tf';
import { imageGeometry } from './input-shape';
import type { LoadedModel } from './loaded-model';

/** The part of tfjs-node's `node` namespace this uses (tfjs-node's documented API). */
interface TfNode {
  loadSavedModel(path: string, tags?: string[], signature?: string): Promise<SavedModel>;
}

interface SavedModel {
  inputs: { name: string; shape?: number[] }[];
  outputs: { name: string; shape?: number[] }[];
  predict(inputs: Tensor): Tensor | Tensor[] | NamedTensorMap;
  dispose(): void;
}

/** Activations are unknown before running the graph: assume this many floats per input value. */
const activationFactor = 32;

export function conversionCommand(dir: string): string {
  return `tensorflowjs_converter --input_format=tf_saved_model ${dir} ${dir}-tfjs`;
}

export async function loadSavedModel(tf: Tf, dir: string): Promise<LoadedModel> {
  const node = (tf as Tf & { node?: Partial<TfNode> }).node;
  if (typeof node?.loadSavedModel !== 'function') {
    throw new Error(
      `${dir} is a TensorFlow SavedModel, which only the native TensorFlow backend reads (npm i @tensorflow/tfjs-node, --backend tensorflow); or convert it: ${conversionCommand(dir)} and give ${dir}-tfjs/model.json`,
    );
  }
  const model = await node.loadSavedModel(dir).catch((error: unknown) => {
    throw new Error(`could not load the SavedModel ${dir}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  });
  try {
    if (model.inputs.length !== 1) throw new Error(`the SavedModel's signature has ${model.inputs.length} inputs: one image input is expected`);
    if (model.outputs.length !== 1) throw new Error(`the SavedModel's signature has ${model.outputs.length} outputs: one output is expected`);
    const geometry = imageGeometry((model.inputs[0].shape ?? []).map((d) => (d < 0 ? null : d)));
    const outputs = (batch: Tensor): Tensor2D => {
      const result = model.predict(batch);
      const tensor = Array.isArray(result) ? result[0] : result instanceof tf.Tensor ? result : Object.values(result)[0];
      if (tensor.rank !== 2) throw new Error(`SavedModel output shape [${tensor.shape.join(', ')}] is not [batch, classes]`);
      return tf.cast(tensor, 'float32') as Tensor2D;
    };
    const outputCount = tf.tidy(() => outputs(tf.zeros([1, ...geometry.shape])).shape[1]);
    return {
      format: 'layers-model',
      geometry,
      outputCount,
      // The signature's outputs are taken as they are: probabilities are not told from logits here.
      outputActivation: 'linear',
      floatsPerImage: geometry.height * geometry.width * geometry.channels * activationFactor,
      outputs,
      logits: () => {
        throw new Error(`TF.js cannot take gradients through a SavedModel (tf.node.loadSavedModel runs it as one TensorFlow call): convert it with ${conversionCommand(dir)} and give ${dir}-tfjs/model.json`);
      },
      dispose: () => model.dispose(),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
