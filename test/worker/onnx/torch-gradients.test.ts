/**
 * The ONNX compute path against PyTorch on real `torch.onnx.export` files (issue 11): for small
 * classifiers of torchvision's architectures (test/fixtures/onnx/make_torch_fixtures.py), the
 * logits and the input gradient ∂(Σ w·z)/∂x from the gradient graph on ONNX Runtime equal
 * PyTorch autograd's within 1e-4 of the largest value, and so do the engine's loss and margin
 * gradients; predictions are PyTorch's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Preprocessing, PreprocessPreset } from '../../../src/protocol/preprocessing';
import type { OrtClassifier } from '../../../src/worker/compute/ort-classifier';
import { workerClassifier } from '../../../src/worker/worker-classifier';

// TORCH_FIXTURES names another folder of the same files, e.g. make_torch_fixtures.py --full-size's.
const folder = process.env.TORCH_FIXTURES ?? join(__dirname, '..', '..', 'fixtures', 'onnx', 'torch');
const tolerance = 1e-4;

interface Fixture {
  name: string;
  file: string;
  imageShape: [number, number, number];
  images: number;
  logits: number;
  opset: number;
  batch: 'dynamic' | number;
  layout: 'nchw' | 'nhwc';
  head: 'none' | 'softmax' | 'log_softmax' | 'sigmoid';
  preprocess: PreprocessPreset;
  externalData: boolean;
  covers: string;
  label: number;
  other: number;
}

const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };

function floats(fixture: Fixture, what: string): Float32Array {
  const bytes = readFileSync(join(folder, `${fixture.name}.${what}.bin`));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** max |ours − theirs| / max |theirs|. */
function relativeDifference(ours: Float32Array, theirs: Float32Array): number {
  assert.equal(ours.length, theirs.length, 'as many values as PyTorch');
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < theirs.length; i++) {
    worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(theirs[i]));
  }
  assert.ok(scale > 0, 'the reference is not all zeros');
  return worst / scale;
}

function assertClose(ours: Float32Array, theirs: Float32Array, what: string): number {
  const difference = relativeDifference(ours, theirs);
  assert.ok(difference <= tolerance, `${what} differs from PyTorch's by ${difference.toExponential(2)} of its largest value`);
  return difference;
}

/** PyTorch's classes: argmax (the first on a tie), or z > 0 for one logit. */
function torchClasses(logits: Float32Array, rows: number, k: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    const row = logits.subarray(r * k, (r + 1) * k);
    if (k === 1) return row[0] > 0 ? 1 : 0;
    return row.indexOf(Math.max(...row));
  });
}

describe('ONNX gradients against PyTorch autograd on torch.onnx.export files', () => {
  assert.ok(manifest.fixtures.length >= (process.env.TORCH_FIXTURES ? 1 : 10), 'the fixtures are there (run make_torch_fixtures.py)');
  for (const fixture of manifest.fixtures) {
    it(`${fixture.name}: ${fixture.covers}`, async (t) => {
      const preprocessing: Preprocessing = { preset: fixture.preprocess };
      const built = await workerClassifier(join(folder, fixture.file), 'cpu', 'auto', 16, { preprocessing });
      const classifier = built.classifier as OrtClassifier;
      try {
        const [height, width, channels] = fixture.imageShape;
        assert.equal(built.forward, 'onnxruntime');
        assert.equal(built.gradient, 'onnxruntime');
        assert.equal(built.model.format, `onnx (${fixture.layout.toUpperCase()})`);
        assert.deepEqual(built.model.geometry, { height, width, channels, shape: [height, width, channels] });
        assert.equal(built.model.outputCount, fixture.logits);
        assert.equal(built.model.outputActivation, { none: 'linear', softmax: 'softmax', log_softmax: 'softmax', sigmoid: 'sigmoid' }[fixture.head]);

        const n = fixture.images;
        const d = height * width * channels;
        const x = floats(fixture, 'x');
        const expectedLogits = floats(fixture, 'logits');
        const { logits, gradient } = await classifier.vjp(x, n, floats(fixture, 'w'));
        const logitsDifference = assertClose(logits, expectedLogits, 'the logits');
        const gradientDifference = assertClose(gradient, floats(fixture, 'gradient'), 'the input gradient ∂(Σ w·z)/∂x');
        t.diagnostic(`relative difference to PyTorch: logits ${logitsDifference.toExponential(1)}, gradient ${gradientDifference.toExponential(1)}`);

        assert.deepEqual(Array.from(await classifier.predict(x, n)), torchClasses(expectedLogits, n, fixture.logits));

        const first = x.slice(0, d);
        const loss = await classifier.lossGradient(first, fixture.label);
        assert.ok(loss, 'a loss gradient');
        assert.equal(loss.loss, fixture.logits === 1 ? 'logit' : 'cross-entropy');
        assertClose(loss.gradient, floats(fixture, 'loss'), 'the loss gradient');

        const margins = await classifier.marginGradients(first, fixture.label, [fixture.other]);
        assertClose(margins.gradients, floats(fixture, 'margin'), 'the margin gradient');
        const z = fixture.logits === 1 ? [0, expectedLogits[0]] : Array.from(expectedLogits.subarray(0, fixture.logits));
        const margin = z[fixture.label] - z[fixture.other];
        assert.ok(Math.abs(margins.margins[fixture.other] - margin) <= tolerance * Math.max(1, ...z.map(Math.abs)), 'the margin is PyTorch’s');
      } finally {
        classifier.dispose();
      }
    });
  }
});
