// Trains the demo model: the paper's Fashion-MNIST binary classifier (Table 2 without Conv-5 and
// Conv-6, Section 7.1 training) for one class pair, with TF.js in Node (wasm backend, no tfjs-node),
// and writes a few hundred test images of that pair as PNG files for the demo run.
// Usage: npm run train-demo -- [options]   (--help lists them)
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { readIdxSplit, type IdxSplit } from './idx';
import { paperChannels, paperNetwork, scaledChannels } from '../src/bench/paper-network';
import { fileSystemHandler } from '../src/worker/model/file-io';
import { conv2DBackpropInputConfig } from '../src/worker/kernels/conv2d-backprop-input';
import { conv2DBackpropFilterAsConvConfig, replaceWasmKernel } from './wasm-conv2d-backprop-filter';
import { SeededRandom } from '../src/engine/rng';

/** Fashion-MNIST class names (the paper's Table 19), made safe as folder names. */
const CLASS_NAMES = ['T-shirt_top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle_boot'];
/** The channel counts of the Fashion-MNIST network (Table 2 without Conv-5/Conv-6). */
const FASHION_CHANNELS = [paperChannels.conv1, paperChannels.conv2, paperChannels.conv3, paperChannels.conv4, paperChannels.dense];

const DEFAULT_OUT = 'media/demo/model';
const DEFAULT_DATA_OUT = 'media/demo/data';
const DEFAULT_TEST_IMAGES = 300;

const HELP = `npm run train-demo -- [options]

Trains the paper's Fashion-MNIST network (Table 2 without Conv-5/Conv-6: conv 3x3 64, 64, max pool,
128, 128, max pool, global max pool, dense 512, dense 1 sigmoid; gray images copied to RGB 28x28x3;
MSE loss, SGD with Nesterov momentum 0.9, learning rate halved every 20 epochs, batch 128,
dropout 0.4 on the convolutional blocks) for one class pair, with TF.js in Node on the wasm backend.

The paper trained 100 epochs at full width. On a 2-core machine that takes hours, so the default
is a faithful smaller variant: the same layers with a quarter of the channels (--width 0.25:
16, 16, 32, 32, dense 128) trained for 5 epochs at learning rate 0.02 (a few minutes).
--width 1 --epochs 100 --lr 0.1 is the paper's schedule.

Options:
  --idx <dir>          IDX files (train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz])
                       default /usr/share/datasets/fashion-mnist
  --classes a,b        class pair, label 0 = the smaller index (default 7,8: Sneaker vs Bag)
  --epochs N           training epochs (default 5)
  --width W            channel multiplier of the paper's network (default 0.25)
  --batch N            batch size (default 128)
  --lr X               initial learning rate (default 0.02; the paper's 0.1 makes the quarter-width
                       network collapse to a constant output in its first epoch), halved every
                       --halve-every epochs (20)
  --seed N             weight initialisation and shuffling seed (default 1; dropout is unseeded)
  --out <dir>          model folder (model.json + weights.bin + README.md), default media/demo/model
  --data-out <dir>     test images as <dir>/<index>_<Name>/<test index>.png, default media/demo/data
  --test-images N      how many test images to write, half per class (default 300; 0 writes none)
  --backend B          wasm or cpu (default wasm)
  --help               this text`;

interface Options {
  idx: string;
  classes: [number, number];
  epochs: number;
  width: number;
  batch: number;
  lr: number;
  halveEvery: number;
  seed: number;
  out: string;
  dataOut: string;
  testImages: number;
  backend: 'wasm' | 'cpu';
}

function parseArgs(argv: string[]): Options | 'help' {
  const opts: Options = {
    idx: '/usr/share/datasets/fashion-mnist',
    classes: [7, 8],
    epochs: 5,
    width: 0.25,
    batch: 128,
    lr: 0.02,
    halveEvery: 20,
    seed: 1,
    out: DEFAULT_OUT,
    dataOut: DEFAULT_DATA_OUT,
    testImages: DEFAULT_TEST_IMAGES,
    backend: 'wasm',
  };
  const number = (flag: string, text: string | undefined, min: number, integer: boolean): number => {
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new Error(`${flag} needs ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${text ?? 'nothing'}`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--help': case '-h': return 'help';
      case '--idx': opts.idx = value() ?? ''; break;
      case '--classes': {
        const text = value() ?? '';
        const parts = text.split(',').map((p) => Number(p));
        if (parts.length !== 2 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 9) || parts[0] === parts[1]) {
          throw new Error(`--classes needs two different class indices 0-9 like 7,8, got "${text}"`);
        }
        opts.classes = [Math.min(parts[0], parts[1]), Math.max(parts[0], parts[1])];
        break;
      }
      case '--epochs': opts.epochs = number(flag, value(), 1, true); break;
      case '--width': opts.width = number(flag, value(), 0.01, false); break;
      case '--batch': opts.batch = number(flag, value(), 1, true); break;
      case '--lr': opts.lr = number(flag, value(), 0, false); break;
      case '--halve-every': opts.halveEvery = number(flag, value(), 1, true); break;
      case '--seed': opts.seed = number(flag, value(), 0, true); break;
      case '--out': opts.out = value() ?? ''; break;
      case '--data-out': opts.dataOut = value() ?? ''; break;
      case '--test-images': opts.testImages = number(flag, value(), 0, true); break;
      case '--backend': {
        const b = value();
        if (b !== 'wasm' && b !== 'cpu') throw new Error(`--backend is wasm or cpu, got ${b ?? 'nothing'}`);
        opts.backend = b;
        break;
      }
      default: throw new Error(`unknown option ${flag} (see --help)`);
    }
  }
  if (!opts.idx || !opts.out || !opts.dataOut) throw new Error('--idx, --out and --data-out need a path');
  return opts;
}


interface PairData {
  /** Indices into the split of the images of the two classes, in split order. */
  indices: number[];
  /** 0 for the first class, 1 for the second. */
  labels: number[];
}

function selectPair(split: IdxSplit, classes: [number, number]): PairData {
  const indices: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < split.count; i++) {
    const label = classes.indexOf(split.labels[i]);
    if (label >= 0) {
      indices.push(i);
      labels.push(label);
    }
  }
  return { indices, labels };
}

/** Images of `indices` as [n, h, w, 3] in [0,1], the gray channel copied to R, G and B (as the paper did). */
function toRgbBatch(split: IdxSplit, indices: number[]): tf.Tensor4D {
  const pixels = split.height * split.width;
  const data = new Float32Array(indices.length * pixels * 3);
  indices.forEach((imageIndex, n) => {
    const offset = imageIndex * pixels;
    for (let p = 0; p < pixels; p++) {
      const value = split.images[offset + p] / 255;
      const o = (n * pixels + p) * 3;
      data[o] = value;
      data[o + 1] = value;
      data[o + 2] = value;
    }
  });
  return tf.tensor4d(data, [indices.length, split.height, split.width, 3]);
}

async function accuracy(model: tfl.LayersModel, split: IdxSplit, pair: PairData, batch: number): Promise<number> {
  let correct = 0;
  for (let start = 0; start < pair.indices.length; start += batch) {
    const indices = pair.indices.slice(start, start + batch);
    const predicted = tf.tidy(() => {
      const x = toRgbBatch(split, indices);
      return tf.reshape(tf.greater(model.predict(x) as tf.Tensor, 0.5), [-1]);
    });
    const values = await predicted.data();
    predicted.dispose();
    values.forEach((v, i) => {
      if (v === pair.labels[start + i]) correct++;
    });
  }
  return correct / pair.indices.length;
}

async function train(model: tfl.LayersModel, split: IdxSplit, pair: PairData, opts: Options): Promise<number> {
  const trainingStarted = Date.now();
  const rng = new SeededRandom(opts.seed);
  const random = () => rng.next();
  const order = pair.indices.map((_, i) => i);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const lr = opts.lr * 0.5 ** Math.floor(epoch / opts.halveEvery);
    model.compile({ optimizer: tf.train.momentum(lr, 0.9, true), loss: 'meanSquaredError' });
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const started = Date.now();
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < order.length; start += opts.batch) {
      const picked = order.slice(start, start + opts.batch);
      const x = toRgbBatch(split, picked.map((k) => pair.indices[k]));
      const y = tf.tensor2d(picked.map((k) => pair.labels[k]), [picked.length, 1]);
      const loss = (await model.trainOnBatch(x, y)) as number;
      tf.dispose([x, y]);
      lossSum += loss;
      batches++;
      if (batches % 20 === 0) process.stderr.write(`  epoch ${epoch + 1} batch ${batches}: mean MSE ${(lossSum / batches).toFixed(4)}\n`);
    }
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`epoch ${epoch + 1}/${opts.epochs}: lr ${lr}, mean MSE ${(lossSum / batches).toFixed(5)}, ${seconds.toFixed(1)} s\n`);
  }
  return (Date.now() - trainingStarted) / 1000;
}

function className(index: number): string {
  return `${index}_${CLASS_NAMES[index]}`;
}

/** Writes the first count/2 test images of each class as RGB PNGs named by their test-set index. */
function writeTestImages(split: IdxSplit, pair: PairData, classes: [number, number], dir: string, count: number): number {
  rmSync(dir, { recursive: true, force: true });
  let written = 0;
  for (let label = 0; label < 2; label++) {
    const folder = join(dir, className(classes[label]));
    mkdirSync(folder, { recursive: true });
    const wanted = label === 0 ? Math.ceil(count / 2) : Math.floor(count / 2);
    const picked = pair.indices.filter((_, i) => pair.labels[i] === label).slice(0, wanted);
    const pixels = split.height * split.width;
    for (const imageIndex of picked) {
      const rgb = new Uint8Array(pixels * 3);
      for (let p = 0; p < pixels; p++) rgb.fill(split.images[imageIndex * pixels + p], p * 3, p * 3 + 3);
      const png = encodePng({ width: split.width, height: split.height, data: rgb, channels: 3, depth: 8 });
      writeFileSync(join(folder, `${String(imageIndex).padStart(5, '0')}.png`), png);
      written++;
    }
  }
  return written;
}

/** The paper's Table 20 accuracies (train, test, %) of the 'i vs i+1' pairs. */
const PAPER_TABLE_20_ACCURACY: Record<string, [number, number]> = {
  '0,1': [99.44, 99.35], '1,2': [99.51, 99.4], '2,3': [97.73, 96.85], '3,4': [97.77, 96.45], '4,5': [99.95, 99.95],
  '5,6': [99.96, 99.8], '6,7': [99.98, 99.95], '7,8': [99.84, 99.7], '8,9': [99.41, 99.35],
};

interface TrainingOutcome {
  trainAccuracy: number;
  testAccuracy: number;
  parameters: number;
  trainingSeconds: number;
  testImagesWritten: number;
}

/** The options that made this model, as train-demo arguments (paths only where not the defaults). */
function reproduceArgs(opts: Options): string {
  const args = [`--classes ${opts.classes.join(',')}`, `--epochs ${opts.epochs}`, `--width ${opts.width}`, `--lr ${opts.lr}`, `--seed ${opts.seed}`];
  if (opts.out !== DEFAULT_OUT) args.push(`--out ${opts.out}`);
  if (opts.testImages === 0) args.push('--test-images 0');
  else {
    if (opts.testImages !== DEFAULT_TEST_IMAGES) args.push(`--test-images ${opts.testImages}`);
    if (opts.dataOut !== DEFAULT_DATA_OUT) args.push(`--data-out ${opts.dataOut}`);
  }
  return args.join(' ');
}

function modelReadme(opts: Options, outcome: TrainingOutcome): string {
  const [a, b] = opts.classes;
  const paper = opts.width === 1;
  const paperAccuracy = PAPER_TABLE_20_ACCURACY[`${a},${b}`];
  const lrNote = opts.lr === 0.1 ? '' : ' (the paper: 0.1, with which the quarter-width network collapsed to a constant output in its first epoch)';
  return `# Fashion-MNIST ${className(a)} vs ${className(b)}: the paper's network${paper ? '' : `, ${opts.width}× width`}

A binary classifier (one sigmoid output; class 1 = ${className(b)} when p > 0.5) with the paper's
Fashion-MNIST architecture: Table 2 without Conv-5 and Conv-6 — conv 3x3 ReLU (${paperChannels.conv1}, ${paperChannels.conv2}),
max pool 2, conv 3x3 ReLU (${paperChannels.conv3}, ${paperChannels.conv4}), max pool 2, global max pool,
dense ${paperChannels.dense} ReLU, dense 1 sigmoid; 'same' padding; input 28x28x3 in [0,1] (gray copied to RGB).

${paper ? "This is the paper's full-width network." : `**A faithful smaller variant:** the same layers with ${opts.width}× the channels (${FASHION_CHANNELS.map((c) => scaledChannels(c, opts.width)).join(', ')}),
so that it trains in minutes on a 2-core machine and the protocol's 1 + 256 + 4 × 2000 forward passes
per image stay fast. \`--width 1\` trains the paper's full network.`}

Training (the paper's Section 7.1 procedure, shortened): MSE loss, SGD with Nesterov momentum 0.9,
learning rate ${opts.lr}${lrNote}, halved every ${opts.halveEvery} epochs, batch ${opts.batch},
dropout 0.4 after each convolutional block (after its max pool), **${opts.epochs} epoch${opts.epochs === 1 ? '' : 's'}** (the paper: 100),
seed ${opts.seed} (weights and shuffling; dropout masks are unseeded, so a rerun is close but not bit-identical),
on the ${a}/${b} images of the training split; ${Math.round(outcome.trainingSeconds)} s of training with TF.js ${tf.version_core} on ${tf.getBackend()}.
Trained parameters: ${outcome.parameters.toLocaleString('en-US')}.

| | accuracy |
| --- | --- |
| training split (${className(a)} + ${className(b)}) | ${(outcome.trainAccuracy * 100).toFixed(2)} % |
| test split (${className(a)} + ${className(b)}) | ${(outcome.testAccuracy * 100).toFixed(2)} % |
${paperAccuracy ? `| the paper, Table 20, ${a} vs ${b} (train, test) | ${paperAccuracy[0].toFixed(2)} %, ${paperAccuracy[1].toFixed(2)} % |\n` : ''}
Reproduce: \`npm run train-demo -- ${reproduceArgs(opts)}\`
(reads Debian's \`dataset-fashion-mnist\` from /usr/share/datasets/fashion-mnist, or \`--idx <dir>\`).
${outcome.testImagesWritten ? `The ${outcome.testImagesWritten} test images written with it (${opts.dataOut}) are the first ones of each class in the test split,
named by their test-set index.\n` : ''}`;
}

async function main(): Promise<void> {
  let opts: Options | 'help';
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`train-demo: ${(error as Error).message}`);
    process.exit(2);
  }
  if (opts === 'help') {
    console.log(HELP);
    return;
  }
  if (opts.backend === 'wasm') {
    replaceWasmKernel(conv2DBackpropInputConfig);
    replaceWasmKernel(conv2DBackpropFilterAsConvConfig);
  }
  // PROD silences TF.js's advice to install tfjs-node, which cannot be installed here.
  tf.env().set('PROD', true);
  await tf.setBackend(opts.backend);
  await tf.ready();

  const trainSplit = readIdxSplit(opts.idx, 'train');
  const testSplit = readIdxSplit(opts.idx, 't10k');
  const trainPair = selectPair(trainSplit, opts.classes);
  const testPair = selectPair(testSplit, opts.classes);
  console.error(`classes ${className(opts.classes[0])} (0) vs ${className(opts.classes[1])} (1): ${trainPair.indices.length} training, ${testPair.indices.length} test images; backend ${tf.getBackend()}`);

  const model = paperNetwork(tfl, {
    inputShape: [trainSplit.height, trainSplit.width, 3],
    conv56: false,
    width: opts.width,
    seed: opts.seed,
    dropout: 0.4,
  });
  const trainingSeconds = await train(model, trainSplit, trainPair, opts);
  const trainAccuracy = await accuracy(model, trainSplit, trainPair, 500);
  const testAccuracy = await accuracy(model, testSplit, testPair, 500);

  const out = resolve(opts.out);
  await model.save(fileSystemHandler(join(out, 'model.json')));
  const written = opts.testImages > 0 ? writeTestImages(testSplit, testPair, opts.classes, resolve(opts.dataOut), opts.testImages) : 0;
  const outcome = { trainAccuracy, testAccuracy, parameters: model.countParams(), trainingSeconds, testImagesWritten: written };
  writeFileSync(join(out, 'README.md'), modelReadme(opts, outcome));
  console.error(`model written to ${out}${written ? `; ${written} test images to ${resolve(opts.dataOut)}` : ''}`);
  console.log(`train accuracy ${(trainAccuracy * 100).toFixed(2)}%, test accuracy ${(testAccuracy * 100).toFixed(2)}%`);
}

main().catch((error: unknown) => {
  console.error(`train-demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
