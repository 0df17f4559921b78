/**
 * ONNX files the tool cannot audit (issue 11's bad input), each a real file written by
 * test/fixtures/onnx/make_torch_fixtures.py: the error is one line naming the file and the problem.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PreprocessPreset } from '../../../src/protocol/preprocessing';
import { workerClassifier } from '../../../src/worker/worker-classifier';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'onnx');

async function failure(path: string, preset: PreprocessPreset = 'unit'): Promise<string> {
  try {
    const built = await workerClassifier(path, 'cpu', 'auto', 16, { preprocessing: { preset } });
    built.classifier.dispose();
  } catch (error) {
    const message = (error as Error).message;
    assert.ok(!message.includes('\n'), `one line: ${JSON.stringify(message)}`);
    return message;
  }
  assert.fail(`${path} was accepted`);
}

const cases: [string, string, RegExp, PreprocessPreset?][] = [
  ['not an ONNX protobuf', 'bad/not-onnx.onnx', /^not-onnx\.onnx: not an ONNX model/],
  ['a truncated file', 'bad/truncated.onnx', /^truncated\.onnx: not an ONNX model, or a truncated one/],
  ['an unsupported op (nn.Upsample → Resize)', 'bad/upsample.onnx', /^upsample\.onnx: Resize node "\/up\/Resize": the op Resize is not supported$/],
  ['a custom-domain op', 'bad/custom-domain.onnx', /^custom-domain\.onnx: com\.example\.custom\.Conv node "\/conv\/Conv" is from the com\.example\.custom domain/],
  ['two inputs', 'bad/two-inputs.onnx', /^two-inputs\.onnx: the model has 2 inputs \(a, b\); an image classifier has one$/],
  ['a non-image input [N, 10]', 'bad/not-an-image.onnx', /^not-an-image\.onnx: the input "input" has shape \[batch, 10\], not an image batch/],
  ['missing external data', 'bad/missing-data.onnx', /^missing-data\.onnx: its external-data file missing-data\.onnx\.data is missing/],
  ['an output that is neither [N, 1] nor [N, k]', 'bad/map-output.onnx', /^map-output\.onnx: the output has shape \[N, 2, 4, 4\], not \[batch, classes\]$/],
  ['a model that mixes the images of a batch', 'bad/batch-mean.onnx', /^batch-mean\.onnx: ReduceMean node "\/ReduceMean" reduces over the batch axis/],
  // Known limitation: the batch is one symbolic size, so [tokens, batch·heads, d] reshapes (nn.MultiheadAttention) do not fold.
  ['torchvision ViT (batch folded with the attention heads)', 'bad/vit.onnx', /^vit\.onnx: Reshape node "\/encoder\/layers\/encoder_layer_0\/self_attention\/Reshape": its target shape is computed at run time$/],
  ['--preprocess imagenet on a 1-channel model', 'torch/gray_sigmoid.onnx', /^gray_sigmoid\.onnx: --preprocess imagenet has 3 mean values, the model takes 1 channel$/, 'imagenet'],
  ['--preprocess caffe on a 1-channel model', 'torch/gray_sigmoid.onnx', /^gray_sigmoid\.onnx: --preprocess caffe has 3 mean values, the model takes 1 channel$/, 'caffe'],
];

describe('bad ONNX input: one line naming the file and the problem', () => {
  for (const [what, file, expected, preset] of cases) {
    it(what, async () => {
      assert.match(await failure(join(fixtures, file), preset), expected);
    });
  }

  it('an external-data model moved without its data file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'onnx-external-'));
    try {
      copyFileSync(join(fixtures, 'torch', 'densenet.onnx'), join(folder, 'densenet.onnx'));
      assert.match(await failure(join(folder, 'densenet.onnx')), /^densenet\.onnx: its external-data file densenet\.onnx\.data is missing \(expected beside the model\)$/);
      copyFileSync(join(fixtures, 'torch', 'densenet.onnx.data'), join(folder, 'densenet.onnx.data'));
      const built = await workerClassifier(join(folder, 'densenet.onnx'), 'cpu', 'auto', 16);
      assert.equal(built.model.outputCount, 10, 'loads once its data is beside it');
      built.classifier.dispose();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
