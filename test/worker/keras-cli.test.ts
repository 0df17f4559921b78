// A Keras 3 .keras model through the built command line and its worker processes: the same
// linear classifier as a TF.js model.json gives the same report image by image, and its ε*
// is the known distance to the hyperplane (PROTOCOL.md "The theory").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { distanceOf, grayImageAtDistance, saveLinearModel, writeGrayPng, type LinearCase } from '../cli/linearCase';
import { temporaryFolder } from '../run/helpers';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const keras = join(root, 'test', 'fixtures', 'keras');
const linear: LinearCase = JSON.parse(readFileSync(join(keras, 'linear.json'), 'utf8'));
const folder = temporaryFolder('keras-cli');
const data = join(folder.path, 'data');
const settings = { maxEps: 1, scales: 40 };
const distances: number[] = [];

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const starts = [40, 90, 128, 170, 210].map((v, k) => Uint8Array.from({ length: 16 }, (_, p) => (v + p * 13 * (k + 1)) % 256));
  starts.forEach((start, i) => {
    const label = (i % 2) as 0 | 1;
    const gray = grayImageAtDistance(linear, start, label, 0.1 + 0.15 * i);
    writeGrayPng(join(data, label === 0 ? 'a' : 'b', `${i}.png`), linear, gray);
    distances[i] = distanceOf(linear, gray);
  });
});
after(() => folder.remove());

function check(model: string, out: string, extra: string[] = []): { status: number | null; stderr: string; report: Report | null } {
  const args = ['check', '--model', model, '--data', data, '--out', join(folder.path, out), '--seed', '3', '--samples', '300', '--alphas', '1,3'];
  args.push('--max-eps', String(settings.maxEps), '--scales', String(settings.scales), '--workers', '1', '--backend', 'cpu', ...extra);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: folder.path, encoding: 'utf8' });
  const report = result.status === 0 ? (JSON.parse(readFileSync(join(folder.path, out, 'report.json'), 'utf8')) as Report) : null;
  return { status: result.status, stderr: result.stderr, report };
}

test('a .keras model gives the report of the same model saved as TF.js, and the known ε*', async () => {
  const fromKeras = check(join(keras, 'linear.keras'), 'keras');
  assert.equal(fromKeras.status, 0, fromKeras.stderr);
  const modelJson = await saveLinearModel(linear, join(folder.path, 'tfjs'));
  const fromTfjs = check(modelJson, 'tfjs');
  assert.equal(fromTfjs.status, 0, fromTfjs.stderr);
  const keep = (report: Report) => report.images.map(({ file, label, predicted, correct, adversarial, random }) => ({ file, label, predicted, correct, adversarial, random }));
  assert.deepEqual(keep(fromKeras.report!), keep(fromTfjs.report!));
  assert.deepEqual(fromKeras.report!.config.inputShape, [4, 4, 1]);
  const step = settings.maxEps / settings.scales;
  for (const image of fromKeras.report!.images) {
    const distance = distances[Number(/(\d+)\.png$/.exec(image.file)![1])];
    assert.ok(image.adversarial, `${image.file} is susceptible`);
    // ε* is the first grid step at or past the distance.
    assert.ok(image.adversarial.eps >= distance - 1e-6 && image.adversarial.eps < distance + step + 1e-6, `${image.file}: ε* ${image.adversarial.eps}, distance ${distance}`);
  }
});

test('a Keras file the tool cannot use ends the run with one line naming the problem', () => {
  const unsupported = check(join(keras, 'unsupported-layer.keras'), 'unsupported');
  assert.equal(unsupported.status, 1);
  assert.match(unsupported.stderr.trim().split('\n').at(-1)!, /layer "fancy" \(class FancyNoise, registered as my_project>FancyNoise\) cannot be built: TF\.js has no FancyNoise layer/);
  const notKeras = check(join(keras, 'not-a-model.h5'), 'not-a-model');
  assert.equal(notKeras.status, 1);
  assert.match(notKeras.stderr, /not-a-model\.h5 is an HDF5 file but not a Keras model \(no model_config attribute; it holds images\): an HDF5 dataset goes to --data/);
});

test('a SavedModel folder without the native TensorFlow backend tells how to convert it', () => {
  const savedModel = join(folder.path, 'saved');
  mkdirSync(join(savedModel, 'variables'), { recursive: true });
  writeFileSync(join(savedModel, 'saved_model.pb'), Buffer.from([0x08, 0x01]));
  const result = check(savedModel, 'saved');
  assert.equal(result.status, 1);
  assert.match(result.stderr, new RegExp(`tensorflowjs_converter --input_format=tf_saved_model ${savedModel} ${savedModel}-tfjs`));
});
