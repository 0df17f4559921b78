import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerFastConv2DBackpropInput } from '../src/worker/kernels/conv2d-backprop-input';
import { registerWasmConv2DBackpropFilter } from './wasm-conv2d-backprop-filter';
async function main() {
  registerFastConv2DBackpropInput(); registerWasmConv2DBackpropFilter();
  await tf.setBackend('wasm');
  const w = Number(process.argv[2] ?? 0.25);
  const c = (n: number) => Math.round(n * w);
  const m = tfl.sequential();
  m.add(tfl.layers.inputLayer({ inputShape: [28, 28, 3] }));
  for (const [f, pool] of [[64, false], [64, true], [128, false], [128, true]] as const) { m.add(tfl.layers.conv2d({ filters: c(f), kernelSize: 3, padding: 'same', activation: 'relu' })); m.add(tfl.layers.dropout({ rate: 0.4 })); if (pool) m.add(tfl.layers.maxPooling2d({ poolSize: 2 })); }
  m.add(tfl.layers.globalMaxPooling2d({})); m.add(tfl.layers.dense({ units: c(512), activation: 'relu' })); m.add(tfl.layers.dense({ units: 1, activation: 'sigmoid' }));
  m.compile({ optimizer: tf.train.momentum(0.1, 0.9, true), loss: 'meanSquaredError' });
  const x = tf.randomUniform([128, 28, 28, 3]); const y = tf.randomUniform([128, 1]);
  await m.trainOnBatch(x, y);
  const t0 = Date.now(); const p = await tf.profile(async () => { await m.trainOnBatch(x, y); }); const t1 = Date.now();
  const agg = new Map<string, number>();
  for (const k of p.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  console.log('wall', t1 - t0, [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, t]) => `${n} ${t.toFixed(1)}`).join(', '));
  const t2 = Date.now(); for (let i = 0; i < 3; i++) await m.trainOnBatch(x, y); console.log('per batch', (Date.now() - t2) / 3);
  const t3 = Date.now(); for (let i = 0; i < 3; i++) tf.dispose(m.predict(x) as tf.Tensor); console.log('fwd per batch', (Date.now() - t3) / 3);
}
main();
