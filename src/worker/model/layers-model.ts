/**
 * A TF.js layers model as a LoadedModel. Gradients are taken through the logits: when the model
 * ends in a sigmoid or softmax (fused into the last layer's `activation`, or as an Activation /
 * Softmax layer), a second model computes the same thing without that activation, sharing every
 * layer but the last, whose linear twin carries the same weights.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Tf } from '../tf';
import { layersModelToOnnx } from '../onnx/layers-to-onnx';
import { imageGeometry } from './input-shape';
import type { LoadedModel, OutputActivation } from './loaded-model';

interface Head {
  activation: OutputActivation;
  /** Computes the logits; the model itself when its outputs are already logits. */
  logitsModel: LayersModel;
  /** The linear twin of the last layer, the only layer the logits model does not share. */
  twin?: Layer;
}

export function layersLoadedModel(tf: Tf, model: LayersModel): LoadedModel {
  if (model.inputs.length !== 1) throw new Error(`the model has ${model.inputs.length} inputs: one image input is expected`);
  if (model.outputs.length !== 1) throw new Error(`the model has ${model.outputs.length} outputs: one output is expected`);
  const geometry = imageGeometry(model.inputs[0].shape);
  const outputShape = model.outputs[0].shape;
  const outputCount = outputShape[1];
  if (outputShape.length !== 2 || outputCount === null || outputCount < 1) {
    throw new Error(`model output shape [${outputShape.map(String).join(', ')}] is not [batch, classes]`);
  }
  const head = readHead(tf, model);
  return {
    format: 'layers-model',
    geometry,
    outputCount,
    outputActivation: head.activation,
    floatsPerImage: floatsPerImage(model, geometry.height * geometry.width * geometry.channels),
    outputs: (batch: Tensor) => model.predictOnBatch(batch) as Tensor2D,
    logits: (batch: Tensor) => head.logitsModel.apply(batch) as Tensor2D,
    toOnnx: () => layersModelToOnnx(model),
    // Layers count one reference however many models they are in: disposing both models would
    // dispose the shared layers twice.
    dispose: () => {
      model.dispose();
      head.twin?.dispose();
    },
  };
}

function readHead(tf: Tf, model: LayersModel): Head {
  const output = model.outputs[0];
  const layer = output.sourceLayer;
  const className = layer.getClassName();
  const config = layer.getConfig();
  if (className === 'Softmax' || className === 'Activation') {
    const activation = className === 'Softmax' ? 'softmax' : String(config.activation);
    if (activation === 'linear') return { activation, logitsModel: model };
    checkSupported(activation, layer);
    return { activation: activation as OutputActivation, logitsModel: tf.model({ inputs: model.inputs, outputs: layerInput(output) }) };
  }
  const activation = typeof config.activation === 'string' ? config.activation : 'linear';
  if (activation === 'linear') return { activation, logitsModel: model };
  checkSupported(activation, layer);
  const twin = linearTwin(output.sourceLayer);
  const logits = twin.apply(layerInput(output)) as SymbolicTensor;
  twin.setWeights(output.sourceLayer.getWeights());
  return { activation: activation as OutputActivation, logitsModel: tf.model({ inputs: model.inputs, outputs: logits }), twin };
}

function checkSupported(activation: string, layer: Layer): void {
  if (activation !== 'sigmoid' && activation !== 'softmax') {
    throw new Error(
      `the model's output activation '${activation}' (layer ${layer.name}) is not supported: expected sigmoid, softmax or linear (logits)`,
    );
  }
}

function layerInput(output: SymbolicTensor): SymbolicTensor {
  if (output.inputs.length !== 1) {
    throw new Error(`the output layer ${output.sourceLayer.name} takes ${output.inputs.length} inputs: one is expected`);
  }
  return output.inputs[0];
}

/** A copy of `layer` (weights still to be set) without its activation. */
function linearTwin(layer: Layer): Layer {
  const LayerClass = layer.constructor as new (config: object) => Layer;
  return new LayerClass({ ...layer.getConfig(), activation: 'linear', name: `${layer.name}_logits` });
}

/** Input values plus every layer's output values, per image: what one image costs in a forward pass. */
function floatsPerImage(model: LayersModel, inputValues: number): number {
  let total = inputValues;
  for (const layer of model.layers) {
    const shapes = layer.outputShape;
    const list = Array.isArray(shapes[0]) || shapes.length === 0 ? (shapes as (number | null)[][]) : [shapes as (number | null)[]];
    for (const shape of list) total += shape.slice(1).reduce<number>((product, d) => product * (d ?? 1), 1);
  }
  return total;
}
