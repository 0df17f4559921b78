/**
 * Keras model configs (Keras 2 and Keras 3) as the Keras 2 JSON that tfjs-layers deserializes.
 * Keras 3 wraps every object as {module, class_name, config, registered_name}, gives layers
 * DTypePolicy objects, names the InputLayer's shape `batch_shape`, and writes functional
 * connections as {args, kwargs} holding __keras_tensor__ entries; tfjs-layers reads none of these.
 * Values TF.js would silently build differently (grouped convolutions, LoRA) are refused, and
 * so is any layer class TF.js does not have, in one line naming the layer and its class.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The model config names a layer the tool cannot build. */
export class UnbuildableLayer extends Error {}

const modelClasses = new Set(['Sequential', 'Functional', 'Model']);

/** Keras 3 activation names that TF.js spells differently. */
const activationNames: Record<string, string> = { silu: 'swish', hard_silu: 'hard_swish' };

/**
 * Returns {class_name, config} for tfjs-layers' `models.modelFromJSON`. `isKnownClass` says
 * whether TF.js can build a layer class (its serialization registry).
 */
export function translateKerasConfig(modelConfig: unknown, isKnownClass: (className: string) => boolean): Json {
  const root = isObject(modelConfig) && isObject(modelConfig.model_config) ? modelConfig.model_config : modelConfig;
  if (!isObject(root) || typeof root.class_name !== 'string' || !isObject(root.config)) {
    throw new Error('the Keras config is not a model config (no class_name and config)');
  }
  if (!modelClasses.has(root.class_name)) {
    throw new UnbuildableLayer(`the Keras model is a ${root.class_name}: only Sequential and Functional models are built (subclassed models have no config to build from)`);
  }
  return translateModel(root, isKnownClass);
}

function translateModel(entry: Json, isKnownClass: (className: string) => boolean): Json {
  const className = entry.class_name as string;
  const config = entry.config as Json;
  const layers = Array.isArray(config.layers) ? config.layers.filter(isObject) : [];
  if (className === 'Sequential') {
    const translated = layers.map((layer) => translateLayer(layer, isKnownClass, false));
    // tfjs-layers cannot connect a Sequential nested in a model when it starts with its own
    // InputLayer: its shape moves onto the first layer, as Keras 2 wrote it.
    if (translated.length > 1 && translated[0].class_name === 'InputLayer' && isObject(translated[0].config) && isObject(translated[1].config)) {
      const input = translated.shift()!.config as Json;
      translated[0].config = { batch_input_shape: input.batch_input_shape, ...(input.dtype ? { dtype: input.dtype } : {}), ...(translated[0].config as Json) };
    }
    const first = translated[0];
    const firstConfig = first && isObject(first.config) ? first.config : undefined;
    if (first && first.class_name !== 'InputLayer' && firstConfig && firstConfig.batch_input_shape === undefined) {
      // Keras 3 Sequential models built by calling them keep the input shape on the model only.
      const shape = config.build_input_shape ?? (isObject(entry.build_config) ? entry.build_config.input_shape : undefined);
      if (Array.isArray(shape)) firstConfig.batch_input_shape = shape;
    }
    return { class_name: 'Sequential', config: { name: config.name, layers: translated } };
  }
  const shifted = nestedSequentialNodeShift(layers);
  return {
    class_name: 'Model',
    config: {
      name: config.name,
      layers: layers.map((layer) => translateLayer(layer, isKnownClass, shifted)),
      input_layers: tensorList(config.input_layers),
      output_layers: tensorList(config.output_layers).map((entry) => shiftNode(entry, shifted)),
    },
  };
}

/**
 * Node indices TF.js reads one higher than Keras 3 writes them: a Sequential nested in a
 * functional model. TF.js (like Keras 2) gives every built model a node 0 of its own, and Keras 3
 * counts that node for nested Functional models but not for Sequential ones.
 */
function nestedSequentialNodeShift(layers: Json[]): Set<string> {
  const keras3 = layers.some((layer) => Array.isArray(layer.inbound_nodes) && layer.inbound_nodes.some(isObject));
  if (!keras3) return new Set();
  return new Set(layers.filter((layer) => layer.class_name === 'Sequential').map((layer) => String(layer.name ?? (isObject(layer.config) ? layer.config.name : ''))));
}

function shiftNode(entry: unknown, shifted: Set<string>): unknown {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !shifted.has(entry[0])) return entry;
  return [entry[0], entry[1] + 1, ...entry.slice(2)];
}

/** `functional`: the layer is in a functional model, whose connections to these layers are shifted (nestedSequentialNodeShift). */
function translateLayer(entry: Json, isKnownClass: (className: string) => boolean, functional: Set<string> | false): Json {
  const className = String(entry.class_name ?? '');
  const rawConfig = isObject(entry.config) ? entry.config : {};
  const name = String(entry.name ?? rawConfig.name ?? '');
  let translated: Json;
  if (modelClasses.has(className)) {
    translated = translateModel({ ...entry, class_name: className, config: rawConfig }, isKnownClass);
  } else {
    if (!isKnownClass(className)) {
      const registered = typeof entry.registered_name === 'string' && entry.registered_name !== className ? `, registered as ${entry.registered_name}` : '';
      throw new UnbuildableLayer(`layer "${name}" (class ${className}${registered}) cannot be built: TF.js has no ${className} layer`);
    }
    translated = { class_name: className, config: translateLayerConfig(className, name, rawConfig) };
  }
  if (functional) {
    translated.name = name;
    translated.inbound_nodes = inboundNodes(entry.inbound_nodes, name).map((node) => (Array.isArray(node) ? node.map((input) => shiftNode(input, functional)) : node));
  }
  return translated;
}

function translateLayerConfig(className: string, name: string, raw: Json): Json {
  const config: Json = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.endsWith('_regularizer') || key.endsWith('_constraint')) continue;
    // The file's weights replace every initial value: zeros are the cheapest to draw.
    if (key.endsWith('_initializer')) config[key] = { class_name: 'Zeros', config: {} };
    else if (key === 'dtype') config[key] = dtypeName(value);
    else if (key === 'activation') config[key] = activationName(value, className, name);
    else config[key] = unwrap(value);
  }
  if (className === 'InputLayer' && config.batch_shape !== undefined) {
    config.batch_input_shape = config.batch_shape;
    delete config.batch_shape;
  }
  if (className === 'BatchNormalization' && Array.isArray(config.axis) && config.axis.length === 1) config.axis = config.axis[0];
  if (typeof config.groups === 'number' && config.groups !== 1) {
    throw new UnbuildableLayer(`layer "${name}" (class ${className}) has groups=${config.groups}: TF.js builds only ungrouped convolutions`);
  }
  if (config.lora_rank !== undefined && config.lora_rank !== null) {
    throw new UnbuildableLayer(`layer "${name}" (class ${className}) has LoRA weights (lora_rank=${String(config.lora_rank)}): merge them into the kernel before saving`);
  }
  return config;
}

/** A DTypePolicy ({class_name: 'DTypePolicy', config: {name}}) or a dtype name, as the dtype TF.js computes in. */
function dtypeName(value: unknown): unknown {
  const unwrapped = isObject(value) && isObject(value.config) ? value.config.name : value;
  // Mixed-precision policies keep float32 variables; TF.js computes in float32.
  return typeof unwrapped === 'string' && unwrapped.startsWith('mixed_') ? 'float32' : unwrapped;
}

function activationName(value: unknown, className: string, layer: string): unknown {
  // Keras 3 may serialize a built-in activation function as {class_name: 'function', config: 'relu'}.
  const name = isObject(value) && value.class_name === 'function' && typeof value.config === 'string' ? value.config : value;
  if (typeof name !== 'string') {
    throw new UnbuildableLayer(`layer "${layer}" (class ${className}) uses a custom activation: TF.js builds only named activations`);
  }
  return activationNames[name] ?? name;
}

/** Drops Keras 3's {module, registered_name} wrappers and tuples anywhere inside a value. */
function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (!isObject(value)) return value;
  if (value.class_name === '__tuple__' && isObject(value.config) && Array.isArray(value.config.value)) return value.config.value.map(unwrap);
  if (typeof value.class_name === 'string' && 'config' in value && ('module' in value || 'registered_name' in value)) {
    return { class_name: value.class_name, config: unwrap(value.config) };
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrap(inner)]));
}

/** Keras 2's [[[layer, node, tensor, kwargs], …], …] from either format's inbound_nodes. */
function inboundNodes(nodes: unknown, layer: string): unknown[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => {
    if (Array.isArray(node)) return node; // already Keras 2
    const tensors: unknown[][] = [];
    collectTensors(isObject(node) ? node.args : undefined, tensors);
    if (tensors.length === 0) throw new UnbuildableLayer(`layer "${layer}" is called without a tensor argument: it cannot be connected`);
    return tensors;
  });
}

function collectTensors(value: unknown, out: unknown[][]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectTensors(item, out);
  } else if (isObject(value)) {
    if (value.class_name === '__keras_tensor__' && isObject(value.config) && Array.isArray(value.config.keras_history)) {
      const [name, node, tensor] = value.config.keras_history as unknown[];
      out.push([name, node, tensor, {}]);
    } else if (value.class_name === '__tuple__' && isObject(value.config)) {
      collectTensors(value.config.value, out);
    }
  }
}

/** input_layers / output_layers as a list of [layer, node, tensor], whatever the nesting. */
function tensorList(value: unknown): unknown[] {
  if (isObject(value)) return Object.values(value);
  if (!Array.isArray(value)) return [];
  return typeof value[0] === 'string' ? [value] : value;
}

/** Keras's naming.to_snake_case: "BatchNormalization" → "batch_normalization", "Conv2D" → "conv2d". */
export function snakeCase(className: string): string {
  return className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Where one layer's variables are in a .keras archive's weights file. */
export interface VariablePath {
  /** Layer names from the outer model down to the layer. */
  layers: string[];
  className: string;
  /** Its group in model.weights.h5, e.g. "layers/dense_1" (variables in <group>/vars/<i>). */
  group: string;
}

/**
 * Keras 3 addresses each layer's variables by its class name in snake case, numbered in the
 * model's layer order (dense, dense_1, …; saving_lib._save_container_state), not by its name.
 * Sequential.layers leaves out the InputLayer; nested models continue under <group>/layers.
 */
export function kerasArchiveVariablePaths(modelConfig: unknown, container = 'layers', outer: string[] = []): VariablePath[] {
  const root = isObject(modelConfig) && isObject(modelConfig.model_config) ? modelConfig.model_config : modelConfig;
  if (!isObject(root) || !isObject(root.config) || !Array.isArray(root.config.layers)) return [];
  const layers = root.config.layers.filter(isObject);
  const listed = root.class_name === 'Sequential' && layers[0]?.class_name === 'InputLayer' ? layers.slice(1) : layers;
  const used = new Map<string, number>();
  const paths: VariablePath[] = [];
  for (const layer of listed) {
    const className = String(layer.class_name ?? '');
    const base = snakeCase(className);
    const count = used.get(base);
    used.set(base, count === undefined ? 0 : count + 1);
    const group = `${container}/${count === undefined ? base : `${base}_${count + 1}`}`;
    const name = String(layer.name ?? (isObject(layer.config) ? layer.config.name : '') ?? '');
    const names = [...outer, name];
    paths.push({ layers: names, className, group });
    if (modelClasses.has(className)) paths.push(...kerasArchiveVariablePaths(layer, `${group}/layers`, names));
  }
  return paths;
}
