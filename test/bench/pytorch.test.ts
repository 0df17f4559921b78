// bench/pytorch/protocol.py against the engine: the TF.js -> PyTorch weight layouts (same outputs on
// models built here, with every layer kind the script reads), and the whole protocol on the demo
// model and 4 demo images (same eps*, same flips on the engine's random set), with the forward passes
// on TF.js and on ONNX Runtime. Needs /usr/bin/python3 with
// python3-torch and python3-pil; skipped with the reason where they are missing. agreementOf runs always.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfLayers from '@tensorflow/tfjs-layers';
import { encode as encodePng } from 'fast-png';
import { sampleDataset, syntheticImage } from '../../src/bench/fixtures';
import { agreementOf, pytorchAvailability, pythonPath, writeRandomSet, type PyTorchRecord } from '../../src/bench/pytorch';
import { analyseImage } from '../../src/engine/measurement';
import { unitBallSamples } from '../../src/engine/sampling';
import type { ForwardName, ImageRecord } from '../../src/protocol/report';
import { loadBackend } from '../../src/worker/backends';
import { forwardEngine } from '../../src/worker/forward-engine';
import { readModelImage } from '../../src/worker/images/model-image';
import { fileSystemHandler } from '../../src/worker/model/file-io';
import { loadModel } from '../../src/worker/model/load-model';
import { TfClassifier } from '../../src/worker/model/tf-classifier';

const root = join(__dirname, '..', '..');
const script = join(root, 'bench', 'pytorch', 'protocol.py');
const availability = pytorchAvailability();
const skip = 'reason' in availability ? availability.reason : false;

function writeImages(dir: string, classes: string[], perClass: number, size: number, channels: 1 | 3): string[] {
  const files: string[] = [];
  for (const [c, name] of classes.entries()) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const rgb = syntheticImage(c * perClass + i, size, size);
      const values = channels === 3 ? rgb : rgb.filter((_, k) => k % 3 === 0);
      const png = encodePng({ width: size, height: size, channels, depth: 8, data: Uint8Array.from(values, (v) => Math.round(v * 255)) });
      writeFileSync(join(dir, name, `${i}.png`), png);
      files.push(`${name}/${i}.png`);
    }
  }
  return files;
}

/** The script's model outputs for these images, through its own loader and image reader. */
function pytorchOutputs(model: string, data: string, files: string[]): number[][] {
  const code = [
    'import json, sys, torch',
    `sys.path.insert(0, ${JSON.stringify(join(root, 'bench', 'pytorch'))})`,
    'from protocol import LayersModel, read_image',
    'model_path, data, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])',
    'model = LayersModel(model_path)',
    'x = torch.stack([read_image(data + "/" + f, model.input_shape) for f in files]).reshape(-1, *model.input_shape)',
    'print(json.dumps(model.outputs(x).tolist()))',
  ].join('\n');
  return JSON.parse(execFileSync(pythonPath(), ['-c', code, model, data, JSON.stringify(files)], { encoding: 'utf8' })) as number[][];
}

test('agreementOf counts equal and one-step-apart eps* and sums flips where eps* agrees', () => {
  const settings = { images: 3, samples: 10, scales: 4, maxEps: 1, alphas: [1, 2], seed: 0 };
  const ours = (file: string, eps: number | null, flips: number[]): ImageRecord =>
    ({
      file,
      label: 0,
      predicted: 0,
      correct: true,
      adversarial: eps === null ? null : { eps, l2: eps, l1: eps, linf: eps, loss: 'logit' },
      random: eps === null ? [] : flips.map((f, i) => ({ alpha: settings.alphas[i], flips: f, samples: 10, minFlip: null })),
      probabilities: [1, 0],
      index: 0,
    }) as ImageRecord;
  const theirs = (file: string, eps: number | null, flips: number[]): PyTorchRecord => ({
    file,
    label: 0,
    predicted: 0,
    correct: true,
    eps,
    random: flips.map((f, i) => ({ alpha: settings.alphas[i], flips: f, samples: 10 })),
  });
  const result = agreementOf(
    [ours('a', 0.5, [1, 4]), ours('b', 0.75, [0, 2]), ours('c', null, []), ours('d', 0.25, [3, 3])],
    [theirs('a', 0.5, [2, 4]), theirs('b', 0.5, [0, 9]), theirs('c', 1, [0, 0]), theirs('d', 0.25, [3, 3])],
    settings,
  );
  assert.deepEqual(result, {
    images: 4,
    samePrediction: 4,
    bothSusceptible: 3,
    susceptibleInOneOnly: 1,
    sameEps: 2,
    oneStepApart: 1,
    moreApart: 0,
    flips: [
      { alpha: 1, ours: 4, pytorch: 5, imagesDiffering: 1 },
      { alpha: 2, ours: 7, pytorch: 7, imagesDiffering: 0 },
    ],
  });
});

test('the script rebuilds TF.js layers models with the same outputs', { skip }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'pytorch-layout-'));
  try {
    const { tf } = await loadBackend('cpu');
    const tfl = tf as unknown as typeof tfLayers;
    // Every layer kind the script reads, with 'same' padding that is asymmetric (stride 2, even size),
    // valid padding, a padded max pool and a Flatten whose order (H, W, C) differs from PyTorch's.
    const model = tfl.sequential();
    model.add(tfl.layers.conv2d({ inputShape: [10, 10, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
    model.add(tfl.layers.conv2d({ filters: 5, kernelSize: [2, 3], padding: 'valid', activation: 'tanh', biasInitializer: 'randomNormal', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
    model.add(tfl.layers.dropout({ rate: 0.3 }));
    model.add(tfl.layers.flatten());
    model.add(tfl.layers.dense({ units: 6, activation: 'relu', biasInitializer: 'randomNormal', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
    model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
    const modelPath = join(work, 'layers', 'model.json');
    await model.save(fileSystemHandler(modelPath));
    const files = writeImages(join(work, 'grey'), ['a', 'b', 'c'], 1, 10, 1);
    const pixels = files.map((_, i) => syntheticImage(i, 10, 10).filter((__, k) => k % 3 === 0).map((v) => Math.round(v * 255) / 255));
    const expected = (tf.tidy(() => model.predict(tf.tensor4d(pixels.flatMap((p) => Array.from(p)), [3, 10, 10, 1]))) as ReturnType<typeof tf.tensor>).arraySync() as number[][];
    model.dispose();
    const actual = pytorchOutputs(modelPath, join(work, 'grey'), files);
    assert.equal(actual.length, 3);
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) assert.ok(Math.abs(actual[i][k] - expected[i][k]) < 1e-5, `image ${i} class ${k}: ${actual[i][k]} vs ${expected[i][k]}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the script finds the engine\'s eps* and flips on the engine\'s random set, with either forward engine (demo model, 4 images)', { skip }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'pytorch-protocol-'));
  try {
    const runtime = await loadBackend('wasm');
    const modelPath = join(root, 'media', 'demo', 'model', 'model.json');
    const data = join(work, 'data');
    sampleDataset(join(root, 'media', 'demo', 'data'), data, 4);
    const settings = { images: 4, samples: 100, scales: 256, maxEps: 10, alphas: [1, 5], seed: 5 };
    let dimension = 0;
    const ours = new Map<ForwardName, ImageRecord[]>();
    for (const forward of ['tfjs', 'onnxruntime'] as const) {
      const model = await loadModel(runtime.tf, modelPath);
      dimension = model.geometry.shape.reduce((a, b) => a * b, 1);
      const randomSet = unitBallSamples(settings.samples, dimension, settings.seed);
      const engine = await forwardEngine(forward, 'auto', 'wasm', model, new TfClassifier(runtime.tf, model, 100));
      const records: ImageRecord[] = [];
      try {
        for (const [label, name] of ['7_Sneaker', '8_Bag'].entries()) {
          for (const file of readdirSync(join(data, name)).sort()) {
            const { pixels } = await readModelImage(join(data, name, file), model.geometry);
            const analysed = await analyseImage(engine.classifier, pixels, label, { attack: 'fgm-line', ...settings, clip: false, batchSize: 100 }, randomSet);
            records.push({ ...analysed, file: `${name}/${file}`, label, index: records.length } as ImageRecord);
          }
        }
      } finally {
        engine.classifier.dispose();
      }
      ours.set(forward, records);
    }
    const setFile = writeRandomSet(work, settings.samples, dimension, settings.seed);
    const stdout = execFileSync(pythonPath(), [
      script, '--model', modelPath, '--data', data, '--samples', '100', '--alphas', '1,5', '--seed', '5', '--random-set', setFile, '--threads', '1',
    ], { encoding: 'utf8' });
    const output = JSON.parse(stdout) as { images: number; records: PyTorchRecord[] };
    assert.equal(output.images, 4);
    for (const [forward, records] of ours) {
      const agreement = agreementOf(records, output.records, settings);
      const detail = `${forward}: ${JSON.stringify(agreement)}`;
      assert.equal(agreement.images, 4, detail);
      assert.equal(agreement.samePrediction, 4, detail);
      assert.equal(agreement.susceptibleInOneOnly, 0, detail);
      assert.ok(agreement.bothSusceptible >= 3, detail);
      assert.equal(agreement.sameEps + agreement.oneStepApart, agreement.bothSusceptible, detail);
      assert.ok(agreement.flips.some((row) => row.ours > 0), `some random perturbation should flip: ${detail}`);
      for (const row of agreement.flips) assert.ok(Math.abs(row.ours - row.pytorch) <= 1, `α=${row.alpha}: ${detail}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
