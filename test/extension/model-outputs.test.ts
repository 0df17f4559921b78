import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { modelOutputs, readModelOutputs } from '../../src/worker/model/model-outputs';
import { tempFolder, writeBrightnessModel, writeSoftmaxModel } from './fixtures';

const tmp = tempFolder('outputs');
after(() => tmp.remove());

describe('model output count from model.json alone', () => {
  it('reads a sequential model with one sigmoid output as 2 classes', async () => {
    const path = await writeBrightnessModel(join(tmp.path, 'binary'));
    assert.deepEqual(await readModelOutputs(path), { units: 1, classes: 2, activation: 'sigmoid', source: 'layers' });
  });

  it('follows a functional model back from its softmax Activation layer to the Dense units', async () => {
    const path = await writeSoftmaxModel(join(tmp.path, 'softmax'), 3);
    assert.deepEqual(await readModelOutputs(path), { units: 3, classes: 3, activation: 'softmax', source: 'layers' });
  });

  it('reads the Keras converter form (modelTopology.model_config) too', async () => {
    const path = await writeSoftmaxModel(join(tmp.path, 'keras'), 5);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.modelTopology = { keras_version: '2.15.0', backend: 'tensorflow', model_config: json.modelTopology };
    writeFileSync(path, JSON.stringify(json));
    assert.equal((await readModelOutputs(path))?.classes, 5);
  });

  it('reads a graph model from its signature', () => {
    const graph = {
      format: 'graph-model',
      modelTopology: { node: [], library: {}, versions: {} },
      signature: { outputs: { 'Identity:0': { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '-1' }, { size: '10' }] } } } },
      weightsManifest: [],
    };
    assert.deepEqual(modelOutputs(graph), { units: 10, classes: 10, activation: null, source: 'signature' });
  });

  it('falls back on the last bias in the weights manifest', () => {
    const json = { modelTopology: { node: [] }, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'dense/kernel', shape: [16, 4] }, { name: 'dense/bias', shape: [4] }] }] };
    assert.deepEqual(modelOutputs(json), { units: 4, classes: 4, activation: null, source: 'weights' });
  });

  it('says null when nothing in the file gives the count', () => {
    assert.equal(modelOutputs({ modelTopology: { node: [] }, weightsManifest: [] }), null);
  });

  it('explains a file that is not a model', async () => {
    const notJson = join(tmp.path, 'broken.json');
    writeFileSync(notJson, '{ not json');
    await assert.rejects(readModelOutputs(notJson), /is not valid JSON/);
    const other = join(tmp.path, 'package.json');
    writeFileSync(other, '{"name":"x"}');
    await assert.rejects(readModelOutputs(other), /not a TF\.js model\.json/);
    await assert.rejects(readModelOutputs(join(tmp.path, 'missing.json')), /cannot read the model .*ENOENT/);
  });
});
