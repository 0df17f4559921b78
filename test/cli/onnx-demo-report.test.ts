/**
 * Issue 11's "same report": the bundled demo network exported from PyTorch
 * (test/fixtures/onnx/demo.onnx, written by make_torch_fixtures.py from bench/pytorch/protocol.py's
 * rebuild of media/demo/model) gives, through the real CLI and its worker processes, the report the
 * TF.js model gives, image by image: on the TF.js model's default path (its ONNX translation) and
 * with every pass on TF.js (--forward tfjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { temporaryFolder } from '../run/helpers';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const folder = temporaryFolder('onnx-demo');
const protocol = ['--data', join(root, 'media', 'demo', 'data'), '--sample', '12', '--samples', '200'];
const epsTolerance = 1e-6;
after(() => folder.remove());
const normTolerance = 1e-4;

function check(name: string, model: string, ...extra: string[]): Report {
  const out = join(folder.path, name);
  const result = spawnSync(process.execPath, [cli, 'check', '--model', model, ...protocol, '--out', out, ...extra], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

function assertSameImages(ours: ImageRecord[], theirs: ImageRecord[]): void {
  assert.equal(ours.length, theirs.length);
  ours.forEach((image, i) => {
    const other = theirs[i];
    const where = image.file;
    assert.equal(image.file, other.file);
    assert.equal(image.predicted, other.predicted, `${where}: predicted`);
    assert.equal(image.correct, other.correct, `${where}: correct`);
    assert.equal(image.adversarial === null, other.adversarial === null, `${where}: adversarial found`);
    if (image.adversarial && other.adversarial) {
      assert.ok(relative(image.adversarial.eps, other.adversarial.eps) <= epsTolerance, `${where}: ε* ${image.adversarial.eps} against ${other.adversarial.eps}`);
      assert.equal(image.adversarial.loss, other.adversarial.loss, `${where}: loss`);
      for (const norm of ['l2', 'l1', 'linf'] as const) {
        assert.ok(relative(image.adversarial[norm], other.adversarial[norm]) <= normTolerance, `${where}: adversarial ${norm} ${image.adversarial[norm]} against ${other.adversarial[norm]}`);
      }
    }
    assert.deepEqual(
      image.random.map(({ alpha, flips, samples }) => ({ alpha, flips, samples })),
      other.random.map(({ alpha, flips, samples }) => ({ alpha, flips, samples })),
      `${where}: random flips`,
    );
  });
}

describe('the paper protocol on the demo exported from PyTorch gives the TF.js model’s report', () => {
  let onnx: Report;
  before(() => {
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    onnx = check('onnx', join(root, 'test', 'fixtures', 'onnx', 'demo.onnx'));
  });

  it('runs the ONNX file on ONNX Runtime, as an NHWC sigmoid model', () => {
    assert.equal(onnx.config.forward, 'onnxruntime');
    assert.equal(onnx.config.gradient, 'onnxruntime');
    assert.equal(onnx.config.format, 'onnx (NHWC)');
    assert.deepEqual(onnx.config.inputShape, [28, 28, 3]);
    assert.equal(onnx.summary.images, 12);
    assert.ok(onnx.summary.adversarial.susceptible > 0, 'some images have an adversarial example');
    assert.ok(onnx.images.some((image) => image.random.some((entry) => entry.flips > 0)), 'some random perturbations flip');
  });

  it('equals the TF.js model’s run image by image', () => {
    const tfjs = check('tfjs', join(root, 'media', 'demo', 'model', 'model.json'));
    assert.deepEqual(onnx.config.classes, tfjs.config.classes);
    assertSameImages(onnx.images, tfjs.images);
    assert.deepEqual(onnx.summary.random, tfjs.summary.random);
  });

  it('equals the TF.js model’s run with every pass on TF.js', () => {
    const tfjs = check('tfjs-only', join(root, 'media', 'demo', 'model', 'model.json'), '--forward', 'tfjs');
    assert.equal(tfjs.config.gradient, 'tfjs');
    assertSameImages(onnx.images, tfjs.images);
  });
});

describe('a bad ONNX file through the CLI: exit 1, one line naming the file and the problem', () => {
  const bad = join(root, 'test', 'fixtures', 'onnx');
  const cases: [string, string[], RegExp][] = [
    ['bad/upsample.onnx', [], /^robustness-lens: upsample\.onnx: Resize node "\/up\/Resize": the op Resize is not supported\n$/],
    ['bad/truncated.onnx', [], /^robustness-lens: truncated\.onnx: not an ONNX model, or a truncated one/],
    ['torch/gray_sigmoid.onnx', ['--preprocess', 'imagenet'], /^robustness-lens: gray_sigmoid\.onnx: --preprocess imagenet has 3 mean values, the model takes 1 channel\n$/],
  ];
  for (const [file, extra, expected] of cases) {
    it(`${file} ${extra.join(' ')}`.trim(), () => {
      const out = join(folder.path, `bad-${file.replace(/\W/g, '-')}`);
      const result = spawnSync(process.execPath, [cli, 'check', '--model', join(bad, file), ...protocol, '--out', out, ...extra], { cwd: root, encoding: 'utf8' });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, expected);
      assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    });
  }
});
