import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerFastConv2DBackpropInput } from '../src/worker/kernels/conv2d-backprop-input';
import { registerWasmConv2DBackpropFilter } from './wasm-conv2d-backprop-filter';
import { readIdxSplit } from './idx';
async function main() {
  registerFastConv2DBackpropInput(); registerWasmConv2DBackpropFilter();
  const sp = readIdxSplit('/usr/share/datasets/fashion-mnist', 'train');
  const idx: number[] = []; const lab: number[] = [];
  for (let i = 0; i < sp.count && idx.length < 128 * 15; i++) if (sp.labels[i] === 7 || sp.labels[i] === 8) { idx.push(i); lab.push(sp.labels[i] === 8 ? 1 : 0); }
  for (const b of process.argv.slice(2)) {
    await tf.setBackend(b);
    const m = tfl.sequential();
    m.add(tfl.layers.inputLayer({ inputShape: [28, 28, 3] }));
    let s = 1;
    for (const [f, pool] of [[16, false], [16, true], [32, false], [32, true]] as const) { m.add(tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: s++ }) })); if (pool) m.add(tfl.layers.maxPooling2d({ poolSize: 2 })); }
    m.add(tfl.layers.globalMaxPooling2d({})); m.add(tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) })); m.add(tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 }) }));
    m.compile({ optimizer: tf.train.momentum(0.1, 0.9, true), loss: 'meanSquaredError' });
    const losses: string[] = [];
    for (let k = 0; k < Number(process.env.STEPS ?? 15); k++) {
      const ii = idx.slice(k * 128, k * 128 + 128);
      const d = new Float32Array(128 * 784 * 3); ii.forEach((im, n) => { for (let p = 0; p < 784; p++) { const v = sp.images[im * 784 + p] / 255; d.set([v, v, v], (n * 784 + p) * 3); } });
      const x = tf.tensor4d(d, [128, 28, 28, 3]); const y = tf.tensor2d(lab.slice(k * 128, k * 128 + 128), [128, 1]);
      losses.push((await m.trainOnBatch(x, y) as number).toFixed(4)); tf.dispose([x, y]);
    }
    console.log(b, losses.join(' '));
  }
}
main();
