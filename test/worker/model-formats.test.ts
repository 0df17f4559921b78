// The model-format registry: how paths are recognised, what makes up a fingerprint, how a class
// count is read without loading the model, and that the pickers and explorer menu offer them all.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pickModel } from '../../src/extension/pickers';
import { startFromResource } from '../../src/extension/check-flow';
import { fingerprintModel } from '../../src/run/fingerprint';
import { modelFileFilters, modelFormatAt, modelFormats, modelNameProblem, modelOutputsAt, modelSearchGlob } from '../../src/worker/model/model-formats';
import { FakeUi, folderWorkspace, MemoryStore } from '../extension/fakes';
import { temporaryFolder } from '../run/helpers';

const root = join(__dirname, '..', '..');
const keras = join(root, 'test', 'fixtures', 'keras');
const folder = temporaryFolder('model-formats');
after(() => folder.remove());

function savedModelFolder(name: string): string {
  const dir = join(folder.path, name);
  mkdirSync(join(dir, 'variables'), { recursive: true });
  writeFileSync(join(dir, 'saved_model.pb'), Buffer.from([0x08, 0x01]));
  writeFileSync(join(dir, 'variables', 'variables.index'), 'index');
  return dir;
}

test('each format is recognised from its path', async () => {
  assert.equal((await modelFormatAt(join(keras, 'linear.keras'))).id, 'keras');
  assert.equal((await modelFormatAt(join(keras, 'keras2-cnn.h5'))).id, 'keras-h5');
  assert.equal((await modelFormatAt(join(root, 'media', 'demo', 'model', 'model.json'))).id, 'tfjs');
  assert.equal((await modelFormatAt(savedModelFolder('recognised'))).id, 'saved-model');
  await assert.rejects(modelFormatAt(join(root, 'media', 'demo', 'model')), /is a folder but not a SavedModel \(no saved_model\.pb\): give its model\.json/);
  writeFileSync(join(folder.path, 'net.pt'), 'x');
  await assert.rejects(modelFormatAt(join(folder.path, 'net.pt')), /^Error: net\.pt is a PyTorch file: export the model to ONNX/);
  assert.match(modelNameProblem('model/saved_model.pb')!, /give the SavedModel folder/);
  assert.equal(modelNameProblem('net.onnx'), null);
});

test('class counts are read from Keras configs without loading the model', async () => {
  assert.deepEqual(await modelOutputsAt(join(keras, 'sequential-cnn.keras')), { units: 3, classes: 3, activation: 'softmax', source: 'layers' });
  // Keras 3 functional connections ({args: [__keras_tensor__]}) are followed back from the output layer.
  assert.deepEqual(await modelOutputsAt(join(keras, 'functional-residual.keras')), { units: 1, classes: 2, activation: 'sigmoid', source: 'layers' });
  assert.deepEqual(await modelOutputsAt(join(keras, 'keras2-cnn.h5')), { units: 2, classes: 2, activation: 'softmax', source: 'layers' });
  assert.equal(await modelOutputsAt(savedModelFolder('outputs')), null);
  await assert.rejects(modelOutputsAt(join(keras, 'not-a-model.h5')), /not-a-model\.h5 is an HDF5 file but not a Keras model/);
});

test('a fingerprint covers the files of the model and nothing else', async () => {
  const copy = join(folder.path, 'copy.keras');
  copyFileSync(join(keras, 'linear.keras'), copy);
  const before = await fingerprintModel(copy);
  writeFileSync(join(folder.path, 'unrelated.txt'), 'beside the model');
  assert.equal(await fingerprintModel(copy), before);
  writeFileSync(copy, Buffer.concat([readFileSync(copy), Buffer.from([0])]));
  assert.notEqual(await fingerprintModel(copy), before);

  const saved = savedModelFolder('fingerprint');
  const savedBefore = await fingerprintModel(saved);
  writeFileSync(join(saved, 'variables', 'variables.index'), 'changed');
  assert.notEqual(await fingerprintModel(saved), savedBefore);
});

test('the pickers, the workspace search and the explorer menu offer every format', async () => {
  const extensions = modelFileFilters()[0].extensions;
  for (const format of modelFormats) {
    for (const extension of format.extensions) assert.ok(extensions.includes(extension), `picker filter has .${extension}`);
    for (const name of format.searchNames) assert.ok(modelSearchGlob.includes(name), `search finds ${name}`);
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const when: string = manifest.contributes.menus['explorer/context'].find((item: { command: string }) => item.command === 'robustnessLens.check').when;
  for (const extension of ['keras', 'h5', 'hdf5', 'onnx']) assert.match(when, new RegExp(`\\|${extension}\\b|\\(${extension}\\|`));
  assert.match(when, /resourceFilename == model\.json/);
  assert.match(when, /resourceFilename == saved_model\.pb/);

  const workspace = join(folder.path, 'workspace');
  mkdirSync(join(workspace, 'models'), { recursive: true });
  copyFileSync(join(keras, 'linear.keras'), join(workspace, 'models', 'linear.keras'));
  copyFileSync(join(keras, 'keras2-cnn.h5'), join(workspace, 'models', 'cnn.h5'));
  const saved = join(workspace, 'models', 'exported');
  mkdirSync(saved);
  writeFileSync(join(saved, 'saved_model.pb'), 'pb');
  const ui = new FakeUi([{ pick: 'models/exported' }]);
  const chosen = await pickModel({ ui, workspace: folderWorkspace([workspace]), state: new MemoryStore() });
  assert.equal(chosen, saved);
  const asked = ui.asked[0] as { labels: string[] };
  assert.deepEqual(asked.labels.slice(0, 3), ['models/cnn.h5', 'models/exported', 'models/linear.keras']);

  assert.deepEqual(startFromResource(join(saved, 'saved_model.pb')), { model: saved });
  assert.deepEqual(startFromResource(saved), { model: saved });
  assert.deepEqual(startFromResource(join(workspace, 'models', 'linear.keras')), { model: join(workspace, 'models', 'linear.keras') });
});
