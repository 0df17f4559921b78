/** Loads a TF.js model.json (layers or graph model) from disk with the worker's own file handler. */
import { basename } from 'node:path';
import type { Tf } from '../tf';
import { fileSystemHandler, readModelJson } from './file-io';
import { graphLoadedModel } from './graph-model';
import { layersLoadedModel } from './layers-model';
import type { LoadedModel } from './loaded-model';
import { loadKerasModel } from './keras/load-keras';
import { modelFormatAt } from './model-formats';
import { loadSavedModel } from './saved-model';

export async function loadModel(tf: Tf, modelJsonPath: string): Promise<LoadedModel> {
  const format = (await modelFormatAt(modelJsonPath)).id;
  if (format === 'keras' || format === 'keras-h5') return loadKerasModel(tf, modelJsonPath);
  if (format === 'saved-model') return loadSavedModel(tf, modelJsonPath);
  const json = await readModelJson(modelJsonPath);
  const topology = json.modelTopology as { node?: unknown } | undefined;
  const isGraph = json.format === 'graph-model' || Array.isArray(topology?.node);
  const handler = fileSystemHandler(modelJsonPath);
  const name = basename(modelJsonPath);
  if (isGraph) {
    const model = await tf.loadGraphModel(handler).catch((error: unknown) => {
      throw new Error(`could not load the graph model ${name}: ${firstLine(error)}`);
    });
    return graphLoadedModel(tf, model, json);
  }
  const model = await tf.loadLayersModel(handler).catch((error: unknown) => {
    throw new Error(`could not load the layers model ${name}: ${firstLine(error)}`);
  });
  try {
    return layersLoadedModel(tf, model);
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
