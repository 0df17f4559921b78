/**
 * A TF.js graph model (tfjs-converter) as a LoadedModel. The logits are the input of the final
 * Softmax/Sigmoid node when the output node is one (through any Identity nodes); the graph is
 * executed up to that node for gradients. Its forward passes translate to ONNX (src/worker/onnx/).
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { io } from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Tf } from '../tf';
import type { GraphNodeDef } from '../onnx/graph-def';
import { graphModelToOnnx, type GraphModelSource } from '../onnx/graph-to-onnx';
import { NotTranslatable } from '../onnx/onnx-graph';
import { imageGeometry } from './input-shape';
import type { LoadedModel, OutputActivation } from './loaded-model';

/** Activations of graph models are not known before running them: assume this many floats per input value. */
const activationFactor = 32;

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
}

export function graphLoadedModel(tf: Tf, model: GraphModel, json: io.ModelJSON): LoadedModel {
  if (model.inputs.length !== 1) throw new Error(`the model has ${model.inputs.length} inputs: one image input is expected`);
  if (model.outputs.length !== 1) throw new Error(`the model has ${model.outputs.length} outputs: one output is expected`);
  const input = model.inputs[0];
  if (input.shape === undefined) throw new Error('the graph model does not declare its input shape');
  const geometry = imageGeometry(input.shape.map((d) => (d < 0 ? null : d)));
  const outputs = (batch: Tensor): Tensor2D => toMatrix(tf, model.execute(batch) as Tensor);
  const outputCount = tf.tidy(() => outputs(tf.zeros([1, ...geometry.shape])).shape[1]);
  const head = readHead(json, model.outputNodes[0]);
  return {
    format: 'graph-model',
    geometry,
    outputCount,
    outputActivation: head.activation,
    floatsPerImage: geometry.height * geometry.width * geometry.channels * activationFactor,
    outputs,
    logits: head.logitsNode === null ? outputs : (batch) => toMatrix(tf, model.execute(batch, head.logitsNode!) as Tensor),
    toOnnx: () => graphModelToOnnx(onnxSource(model, json, geometry.shape)),
    dispose: () => model.dispose(),
  };
}

/** The graph, its constants (the loaded model's weight map) and its input and output nodes. */
function onnxSource(model: GraphModel, json: io.ModelJSON, inputShape: readonly number[]): GraphModelSource {
  const topology = json.modelTopology as { node?: GraphNodeDef[] } | undefined;
  // outputNodes may name a signature key; outputs name the node itself, whose output 0 it must be.
  const outputIndex = /:(\d+)$/.exec(model.outputNodes[0])?.[1] ?? '0';
  if (outputIndex !== '0') throw new NotTranslatable(`the output is output ${outputIndex} of node ${model.outputs[0].name}`);
  return {
    nodes: topology?.node ?? [],
    inputNode: nodeName(model.inputs[0].name),
    inputShape,
    outputNode: nodeName(model.outputs[0].name),
    constant: (name) => {
      const tensor = model.weights[name]?.[0];
      return tensor && { shape: tensor.shape, dtype: tensor.dtype, values: tensor.dataSync() as ArrayLike<number> };
    },
  };
}

function toMatrix(tf: Tf, output: Tensor): Tensor2D {
  if (output.rank !== 2) throw new Error(`model output shape [${output.shape.join(', ')}] is not [batch, classes]`);
  return tf.cast(output, 'float32') as Tensor2D;
}

function readHead(json: io.ModelJSON, outputName: string): { activation: OutputActivation; logitsNode: string | null } {
  const topology = json.modelTopology as { node?: GraphNode[] } | undefined;
  const nodes = new Map((topology?.node ?? []).map((node) => [node.name, node]));
  let node = nodes.get(nodeName(outputName));
  while (node && node.op === 'Identity' && node.input?.length) node = nodes.get(nodeName(node.input[0]));
  if (node && (node.op === 'Softmax' || node.op === 'Sigmoid') && node.input?.length) {
    return { activation: node.op === 'Softmax' ? 'softmax' : 'sigmoid', logitsNode: nodeName(node.input[0]) };
  }
  return { activation: 'linear', logitsNode: null };
}

/** "name:0" and "^name" (control input) → "name". */
function nodeName(reference: string): string {
  return reference.replace(/^\^/, '').replace(/:\d+$/, '');
}
