// Backend choice: exactly the one asked or the first that loads. The native packages cannot be
// installed here, so their two outcomes (fails to load, loads) are played by stand-in packages in
// the folder ROBUSTNESS_LENS_NATIVE_MODULES names, as the extension's install would lay them out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend, resolveOptionalPackage } from '../../src/worker/backends';
import { layersLoadedModel } from '../../src/worker/model/layers-model';
import { TfClassifier } from '../../src/worker/model/tf-classifier';
import type { Tf } from '../../src/worker/tf';
import { denseModel, kernelFromUnits } from './models';

const nativeInstalled = resolveOptionalPackage('@tensorflow/tfjs-node', undefined) !== null
  || resolveOptionalPackage('@tensorflow/tfjs-node-gpu', undefined) !== null;
const folders: string[] = [];
process.on('exit', () => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** An npm prefix (<prefix>/node_modules/@tensorflow/tfjs-node) whose package's index.js is `source`. */
function nativeModulesWith(source: string): string {
  const prefix = mkdtempSync(join(tmpdir(), 'rl-native-'));
  folders.push(prefix);
  const pkg = join(prefix, 'node_modules', '@tensorflow', 'tfjs-node');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), source);
  return prefix;
}

test('wasm and cpu load when asked; an unknown name is refused', async () => {
  assert.equal((await loadBackend('cpu')).backend, 'cpu');
  const wasm = await loadBackend('wasm');
  assert.equal(wasm.backend, 'wasm');
  assert.equal(wasm.tf.getBackend(), 'wasm');
  await assert.rejects(loadBackend('gpu' as never), /unknown backend "gpu" \(one of auto, tensorflow-gpu, tensorflow, wasm, cpu\)/);
});

test('a native backend that is not installed: a one-line error naming the install command; auto moves on to wasm', { skip: nativeInstalled && 'a native TensorFlow package is installed here' }, async () => {
  await assert.rejects(
    loadBackend('tensorflow-gpu', { nativeModulesDir: mkdtempSync(join(tmpdir(), 'rl-empty-')) }),
    /^Error: backend tensorflow-gpu is not installed: run 'Robustness Lens: Install native TensorFlow backend' or npm i @tensorflow\/tfjs-node-gpu$/,
  );
  await assert.rejects(loadBackend('tensorflow'), /backend tensorflow is not installed/);
  const auto = await loadBackend('auto');
  assert.equal(auto.backend, 'wasm');
  assert.deepEqual(auto.notes, []);
});

test('an installed native backend that fails to load: asked for, it is an error; under auto, a note and wasm', { skip: nativeInstalled && 'a native TensorFlow package is installed here' }, async () => {
  const broken = nativeModulesWith("throw new Error('libtensorflow.so.2: cannot open shared object file');\n");
  await assert.rejects(
    loadBackend('tensorflow', { nativeModulesDir: broken }),
    /backend tensorflow failed to load \(@tensorflow\/tfjs-node\): libtensorflow\.so\.2: cannot open shared object file/,
  );
  // The extension names the node_modules folder itself; an npm prefix works too.
  await assert.rejects(loadBackend('tensorflow', { nativeModulesDir: join(broken, 'node_modules') }), /backend tensorflow failed to load/);
  const auto = await loadBackend('auto', { nativeModulesDir: broken });
  assert.equal(auto.backend, 'wasm');
  assert.equal(auto.notes.length, 1);
  assert.match(auto.notes[0], /backend tensorflow failed to load/);
});

test('a native backend that loads is driven through the namespace its package exports', { skip: nativeInstalled && 'a native TensorFlow package is installed here' }, async () => {
  // Stands in for tfjs-node: exports the whole TF.js API and registers a 'tensorflow' backend
  // (here computed by the cpu kernels).
  const resolve = (name: string) => JSON.stringify(require.resolve(name));
  const working = nativeModulesWith(`
const core = require(${resolve('@tensorflow/tfjs-core')});
const cpu = require(${resolve('@tensorflow/tfjs-backend-cpu')});
const layers = require(${resolve('@tensorflow/tfjs-layers')});
const converter = require(${resolve('@tensorflow/tfjs-converter')});
core.registerBackend('tensorflow', () => new cpu.MathBackendCPU(), 3);
for (const kernel of core.getKernelsForBackend('cpu')) core.registerKernel({ ...kernel, backendName: 'tensorflow' });
module.exports = { ...core, ...layers, ...converter, standIn: true };
`);
  const native = await loadBackend('tensorflow', { nativeModulesDir: working });
  assert.equal(native.backend, 'tensorflow');
  assert.equal((native.tf as Tf & { standIn?: boolean }).standIn, true, 'the package namespace is the runtime');
  assert.equal(native.tf.getBackend(), 'tensorflow');

  const model = denseModel([2, 2, 1], kernelFromUnits([[2, 0, 0, 0]]), [-1], 'sigmoid');
  const classifier = new TfClassifier(native.tf, layersLoadedModel(native.tf, model), 8);
  assert.deepEqual(Array.from(await classifier.predict(Float32Array.from([0.9, 0, 0, 0]), 1)), [1]);
  assert.equal((await classifier.lossGradient(Float32Array.from([0.9, 0, 0, 0]), 1))?.loss, 'logit');
  classifier.dispose();

  const auto = await loadBackend('auto', { nativeModulesDir: working });
  assert.equal(auto.backend, 'tensorflow', 'auto prefers the native backend');
});
