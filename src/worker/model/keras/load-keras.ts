/**
 * A Keras file (.keras or .h5) as a TF.js layers model, built from its config with the file's
 * weights, then handed to the layers path like any model.json (ONNX Runtime forward passes,
 * gradients through the logits).
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { basename } from 'node:path';
import type { Tf } from '../../tf';
import { layersLoadedModel } from '../layers-model';
import type { LoadedModel } from '../loaded-model';
import { openKerasFile } from './keras-file';
import { translateKerasConfig, UnbuildableLayer } from './keras-config';
import { kerasArchiveWeights, legacyWeights, type LayerWeights } from './keras-weights';

export async function loadKerasModel(tf: Tf, path: string): Promise<LoadedModel> {
  const name = basename(path);
  const file = await openKerasFile(path);
  try {
    const model = await buildModel(tf, file.config, name);
    try {
      const weights = file.layout === 'keras-archive' ? kerasArchiveWeights(file.weights, file.config) : legacyWeights(file.weights);
      assignWeights(tf, model, weights, name);
      return layersLoadedModel(tf, model);
    } catch (error) {
      model.dispose();
      throw error;
    }
  } finally {
    await file.close();
  }
}

async function buildModel(tf: Tf, config: unknown, name: string): Promise<LayersModel> {
  const classes = tf.serialization.SerializationMap.getMap().classNameMap;
  let topology;
  try {
    topology = translateKerasConfig(config, (className) => className in classes);
  } catch (error) {
    if (error instanceof UnbuildableLayer) throw new Error(`${name}: ${error.message}`);
    throw new Error(`${name}: ${firstLine(error)}`);
  }
  try {
    return await tf.models.modelFromJSON({ modelTopology: topology } as Parameters<Tf['models']['modelFromJSON']>[0]);
  } catch (error) {
    throw new Error(`could not build the Keras model ${name}: ${firstLine(error)}`);
  }
}

/** Sets every layer's weights from the file; a layer with weights the file lacks, or of another shape, is refused. */
function assignWeights(tf: Tf, model: LayersModel, weights: LayerWeights[], name: string): void {
  const assigned = new Set<Layer>();
  for (const entry of weights) {
    const layer = findLayer(model, entry.layers, name);
    const expected = layer.weights;
    const label = `layer "${entry.layers.join('/')}" (${layer.getClassName()})`;
    if (expected.length !== entry.values.length) {
      throw new Error(`${name}: ${label} has ${entry.values.length} weight arrays in the file, the built layer ${expected.length}`);
    }
    entry.values.forEach((value, i) => {
      const shape = expected[i].shape;
      if (shape.length !== value.shape.length || shape.some((d, k) => d !== value.shape[k])) {
        throw new Error(`${name}: ${label} weight ${i} is [${value.shape.join(', ')}] in the file, the built layer expects [${shape.join(', ')}]`);
      }
    });
    const tensors: Tensor[] = entry.values.map((value) => tf.tensor(value.values, value.shape, 'float32'));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
    markAssigned(layer, assigned);
  }
  for (const layer of leafLayers(model)) {
    if (layer.weights.length > 0 && !assigned.has(layer)) {
      throw new Error(`${name}: the file has no weights for layer "${layer.name}" (${layer.getClassName()})`);
    }
  }
}

function findLayer(model: LayersModel, names: string[], file: string): Layer {
  let current: Layer = model;
  for (const name of names) {
    const inner = (current as LayersModel).layers?.find((layer) => layer.name === name);
    if (!inner) throw new Error(`${file}: the weights name layer "${names.join('/')}", which the model config does not have`);
    current = inner;
  }
  return current;
}

/** A nested model given its weights at once (Keras 2 .h5) counts for all its layers. */
function markAssigned(layer: Layer, assigned: Set<Layer>): void {
  assigned.add(layer);
  for (const inner of (layer as LayersModel).layers ?? []) markAssigned(inner, assigned);
}

function leafLayers(model: LayersModel): Layer[] {
  return model.layers.flatMap((layer) => ((layer as LayersModel).layers ? leafLayers(layer as LayersModel) : [layer]));
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
