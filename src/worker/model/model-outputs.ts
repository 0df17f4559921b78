/**
 * How many classes a model predicts, read from its Keras-style topology alone (a TF.js
 * model.json, or a Keras file's config) with no TF.js, so the extension host can check a
 * dataset against the model before any worker starts.
 */
import { readFile } from 'node:fs/promises';

export interface ModelOutputs {
  /** Units of the output layer: 1 for a single sigmoid. */
  units: number;
  /** Classes the engine will read: 2 for one output, else `units` (PROTOCOL.md, "Labels and predictions"). */
  classes: number;
  /** Final activation when the topology names it ('sigmoid', 'softmax', 'linear', …). */
  activation: string | null;
  /** Where the count came from. */
  source: 'layers' | 'signature' | 'weights';
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The output count of a parsed model.json, or null when the file does not say it (then the worker checks). */
export function modelOutputs(modelJson: unknown): ModelOutputs | null {
  if (!isObject(modelJson)) return null;
  const fromLayers = outputsOfTopology(modelJson.modelTopology);
  if (fromLayers) return fromLayers;
  const fromSignature = outputsOfSignature(modelJson.signature ?? (isObject(modelJson.userDefinedMetadata) ? modelJson.userDefinedMetadata.signature : undefined));
  if (fromSignature) return fromSignature;
  return outputsOfWeights(modelJson.weightsManifest);
}

export async function readModelOutputs(modelPath: string): Promise<ModelOutputs | null> {
  let text: string;
  try {
    text = await readFile(modelPath, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the model ${modelPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`the model ${modelPath} is not valid JSON (expected a TF.js model.json)`);
  }
  if (!isObject(parsed) || (!('modelTopology' in parsed) && !('weightsManifest' in parsed))) {
    throw new Error(`${modelPath} is not a TF.js model.json (no modelTopology or weightsManifest)`);
  }
  return modelOutputs(parsed);
}

function withClasses(units: number, activation: string | null, source: ModelOutputs['source']): ModelOutputs {
  return { units, classes: units === 1 ? 2 : units, activation, source };
}

interface LayerSpec {
  className: string;
  name: string;
  config: Json;
  /** Names of the layers feeding this one (functional models). */
  inbound: string[];
}

function outputsOfTopology(topology: unknown): ModelOutputs | null {
  if (!isObject(topology)) return null;
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  return outputsOfModel(model);
}

/** A Keras model config ({class_name, config}); nested models are followed into. */
function outputsOfModel(model: Json): ModelOutputs | null {
  const config = model.config;
  const layers = layerList(config);
  if (layers.length === 0) return null;
  const byName = new Map(layers.map((l) => [l.name, l]));
  let current: LayerSpec | undefined = outputLayer(config, layers, byName);
  let activation: string | null = null;
  const seen = new Set<string>();
  while (current && !seen.has(current.name)) {
    seen.add(current.name);
    const units = current.config.units;
    if (typeof units === 'number' && Number.isInteger(units) && units > 0) {
      return withClasses(units, activation ?? stringOrNull(current.config.activation), 'layers');
    }
    if (layerList(current.config).length > 0) {
      const inner = outputsOfModel({ class_name: current.className, config: current.config });
      if (inner) return { ...inner, activation: activation ?? inner.activation };
    }
    if (activation === null) {
      if (current.className === 'Softmax') activation = 'softmax';
      else if (current.className === 'Activation') activation = stringOrNull(current.config.activation);
    }
    current = previousLayer(current, layers, byName);
  }
  return null;
}

function layerList(config: unknown): LayerSpec[] {
  const raw = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : [];
  return raw.filter(isObject).map((layer) => {
    const layerConfig = isObject(layer.config) ? layer.config : {};
    const name = typeof layer.name === 'string' ? layer.name : typeof layerConfig.name === 'string' ? layerConfig.name : '';
    return { className: String(layer.class_name ?? ''), name, config: layerConfig, inbound: inboundNames(layer.inbound_nodes) };
  });
}

/** Keras 2 / TF.js form [[["dense_1", 0, 0, {}], …], …], or Keras 3's [{args: [__keras_tensor__ …]}]. */
function inboundNames(nodes: unknown): string[] {
  if (!Array.isArray(nodes)) return [];
  const first: unknown = nodes[0];
  if (Array.isArray(first)) return first.flatMap((entry) => (Array.isArray(entry) && typeof entry[0] === 'string' ? [entry[0]] : []));
  return isObject(first) ? kerasTensorSources(first.args) : [];
}

function kerasTensorSources(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(kerasTensorSources);
  if (!isObject(value) || value.class_name !== '__keras_tensor__' || !isObject(value.config)) return [];
  const history = value.config.keras_history;
  return Array.isArray(history) && typeof history[0] === 'string' ? [history[0]] : [];
}

function outputLayer(config: unknown, layers: LayerSpec[], byName: Map<string, LayerSpec>): LayerSpec | undefined {
  if (isObject(config) && Array.isArray(config.output_layers)) {
    const first = config.output_layers[0];
    const name = Array.isArray(first) ? first[0] : undefined;
    if (typeof name === 'string' && byName.has(name)) return byName.get(name);
  }
  return layers[layers.length - 1];
}

function previousLayer(layer: LayerSpec, layers: LayerSpec[], byName: Map<string, LayerSpec>): LayerSpec | undefined {
  if (layer.inbound.length > 0) return byName.get(layer.inbound[0]);
  const index = layers.indexOf(layer);
  return index > 0 ? layers[index - 1] : undefined;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Graph models: signature.outputs.<name>.tensorShape.dim[-1].size. */
function outputsOfSignature(signature: unknown): ModelOutputs | null {
  if (!isObject(signature) || !isObject(signature.outputs)) return null;
  const first = Object.values(signature.outputs)[0];
  if (!isObject(first) || !isObject(first.tensorShape) || !Array.isArray(first.tensorShape.dim)) return null;
  const dims = first.tensorShape.dim as unknown[];
  const last = dims[dims.length - 1];
  const size = isObject(last) ? Number(last.size) : NaN;
  return Number.isInteger(size) && size > 0 ? withClasses(size, null, 'signature') : null;
}

/** Last resort: the last bias (or kernel) in the weights manifest has the output count as its last axis. */
function outputsOfWeights(manifest: unknown): ModelOutputs | null {
  if (!Array.isArray(manifest)) return null;
  const weights = manifest.filter(isObject).flatMap((group) => (Array.isArray(group.weights) ? group.weights.filter(isObject) : []));
  for (let i = weights.length - 1; i >= 0; i--) {
    const { name, shape } = weights[i];
    if (typeof name !== 'string' || !Array.isArray(shape) || shape.length === 0) continue;
    if (!/(bias|kernel)(:0)?$/.test(name)) continue;
    const size = Number(shape[shape.length - 1]);
    return Number.isInteger(size) && size > 0 ? withClasses(size, null, 'weights') : null;
  }
  return null;
}

/** The output count of a Keras model config ({class_name, config}), as in a Keras file. */
export function kerasModelOutputs(config: unknown): ModelOutputs | null {
  return outputsOfTopology(config);
}
