/** The ONNX entry of the format registry: class count and fingerprint files read without building the model. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { onnxExternalDataFiles, onnxModelOutputs } from '../../src/worker/model/model-formats';
import { temporaryFolder } from './models';

const torch = join(__dirname, '..', 'fixtures', 'onnx', 'torch');

test('an ONNX file’s class count comes from its declared output [batch, k], with the op behind it', async () => {
  assert.deepEqual(await onnxModelOutputs(join(torch, 'vgg.onnx')), { units: 10, classes: 10, activation: null, source: 'signature' });
  const gray = await onnxModelOutputs(join(torch, 'gray_sigmoid.onnx'));
  assert.equal(gray?.units, 1);
  assert.equal(gray?.classes, 2, 'one sigmoid output is two classes');
  assert.equal((await onnxModelOutputs(join(torch, 'nhwc_softmax.onnx')))?.activation, 'softmax');
});

test('an ONNX file’s fingerprint includes the external-data files it names; unreadable files name none', async () => {
  assert.deepEqual(await onnxExternalDataFiles(join(torch, 'densenet.onnx')), [join(torch, 'densenet.onnx.data')]);
  assert.deepEqual(await onnxExternalDataFiles(join(torch, 'vgg.onnx')), []);
  const folder = temporaryFolder('onnx-formats');
  writeFileSync(join(folder, 'broken.onnx'), 'not a model');
  assert.deepEqual(await onnxExternalDataFiles(join(folder, 'broken.onnx')), []);
  assert.equal(await onnxModelOutputs(join(folder, 'broken.onnx')), null);
});
