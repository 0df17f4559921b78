/**
 * The weights of a Keras file, per layer, in the order the layer lists its variables (the
 * trainable ones first, as both Keras and TF.js order them).
 */
import type { Hdf5Dataset, Hdf5Reader } from './hdf5';
import { kerasArchiveVariablePaths } from './keras-config';

export interface LayerWeights {
  /** Layer names from the outer model down to the layer. */
  layers: string[];
  values: Hdf5Dataset[];
}

/** A .keras archive's model.weights.h5: layers/<snake_case class>[_n]/vars/<i>. */
export function kerasArchiveWeights(file: Hdf5Reader, modelConfig: unknown): LayerWeights[] {
  // Keras 2.13's .keras files named the container _layer_checkpoint_dependencies.
  const container = file.keys('layers') === undefined && file.keys('_layer_checkpoint_dependencies') !== undefined ? '_layer_checkpoint_dependencies' : 'layers';
  const weights: LayerWeights[] = [];
  for (const path of kerasArchiveVariablePaths(modelConfig, container)) {
    const group = `${path.group}/vars`;
    const names = (file.keys(group) ?? []).filter((key) => /^\d+$/.test(key)).sort((a, b) => Number(a) - Number(b));
    if (names.length === 0) continue;
    weights.push({ layers: path.layers, values: names.map((name) => datasetAt(file, `${group}/${name}`)) });
  }
  return weights;
}

/** A Keras 2 .h5: model_weights/<layer> with a weight_names attribute naming its datasets. */
export function legacyWeights(file: Hdf5Reader): LayerWeights[] {
  const root = 'model_weights';
  if (file.keys(root) === undefined) throw new Error('the .h5 file has a model config but no model_weights group');
  const layerNames = stringList(file, root, 'layer_names') ?? file.keys(root) ?? [];
  const weights: LayerWeights[] = [];
  for (const layer of layerNames) {
    const group = `${root}/${layer}`;
    const names = stringList(file, group, 'weight_names') ?? [];
    if (names.length === 0) continue;
    weights.push({ layers: [layer], values: names.map((name) => datasetAt(file, `${group}/${name}`)) });
  }
  return weights;
}

/**
 * A list attribute; Keras splits one over 64 kB into <name>0, <name>1, …
 * (legacy_h5_format.save_attributes_to_hdf5_group).
 */
function stringList(file: Hdf5Reader, group: string, name: string): string[] | undefined {
  const whole = file.attribute(group, name);
  if (whole !== undefined) return typeof whole === 'string' ? [whole] : whole;
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const part = file.attribute(group, `${name}${i}`);
    if (part === undefined) break;
    parts.push(...(typeof part === 'string' ? [part] : part));
  }
  return parts.length > 0 ? parts : undefined;
}

function datasetAt(file: Hdf5Reader, path: string): Hdf5Dataset {
  const dataset = file.dataset(path);
  if (!dataset) throw new Error(`the weights file has no dataset ${path}`);
  return dataset;
}
