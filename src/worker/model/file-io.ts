/**
 * A TF.js IOHandler over the file system: reads model.json and the weight shards its manifest
 * lists (paths relative to model.json), and saves a model as model.json + weights.bin. Plain
 * Node fs, so loading needs neither tfjs-node nor its file:// handler.
 */
import { io } from '@tensorflow/tfjs-core';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const weightsFileName = 'weights.bin';

export function fileSystemHandler(modelJsonPath: string): io.IOHandler {
  return {
    load: () => loadArtifacts(modelJsonPath),
    save: (artifacts) => saveArtifacts(modelJsonPath, artifacts),
  };
}

/** model.json parsed and checked for the fields every TF.js model has. */
export async function readModelJson(modelJsonPath: string): Promise<io.ModelJSON> {
  const info = await stat(modelJsonPath).catch(() => null);
  if (!info) throw new Error(`model file not found: ${modelJsonPath}`);
  if (info.isDirectory()) throw new Error(`${modelJsonPath} is a folder: give the path of its model.json`);
  const text = await readFile(modelJsonPath, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${basename(modelJsonPath)} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || !('modelTopology' in parsed)) {
    throw new Error(`${basename(modelJsonPath)} is not a TF.js model (no modelTopology)`);
  }
  const json = parsed as io.ModelJSON;
  if (json.weightsManifest !== undefined && !Array.isArray(json.weightsManifest)) {
    throw new Error(`${basename(modelJsonPath)}: weightsManifest is not a list`);
  }
  return json;
}

async function loadArtifacts(modelJsonPath: string): Promise<io.ModelArtifacts> {
  const json = await readModelJson(modelJsonPath);
  const folder = dirname(modelJsonPath);
  return io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: io.WeightsManifestEntry[] = [];
    const shards: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const path of group.paths) shards.push(await readShard(folder, path));
    }
    return [specs, io.CompositeArrayBuffer.join(shards)];
  });
}

async function readShard(folder: string, path: string): Promise<ArrayBuffer> {
  const file = join(folder, decodeURIComponent(path));
  const bytes = await readFile(file).catch(() => {
    throw new Error(`weight file ${path} listed in model.json is missing (looked in ${folder})`);
  });
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function saveArtifacts(modelJsonPath: string, artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('saving a binary model topology is not supported: only JSON topologies');
  }
  const folder = dirname(modelJsonPath);
  await mkdir(folder, { recursive: true });
  const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : io.CompositeArrayBuffer.join(artifacts.weightData);
  const json: io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [weightsFileName], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig !== undefined) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature !== undefined) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer !== undefined) json.modelInitializer = artifacts.modelInitializer;
  await writeFile(join(folder, weightsFileName), new Uint8Array(weights));
  await writeFile(modelJsonPath, JSON.stringify(json));
  return { modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts) };
}
