import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerFastConv2DBackpropInput } from '../src/worker/kernels/conv2d-backprop-input';
import { registerWasmConv2DBackpropFilter } from './wasm-conv2d-backprop-filter';
async function main() {
  registerFastConv2DBackpropInput(); registerWasmConv2DBackpropFilter();
  const res: Float32Array[][] = [];
  for (const b of ['cpu', 'wasm']) {
    await tf.setBackend(b);
    const m = tfl.sequential();
    m.add(tfl.layers.inputLayer({ inputShape: [28, 28, 3] }));
    let s = 1;
    for (const [f, pool] of [[16, false], [16, true], [32, false], [32, true]] as const) { m.add(tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: s++ }) })); if (pool) m.add(tfl.layers.maxPooling2d({ poolSize: 2 })); }
    m.add(tfl.layers.globalMaxPooling2d({})); m.add(tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) })); m.add(tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 }) }));
    const x = tf.randomUniform([128, 28, 28, 3], 0, 1, 'float32', 5); const y = tf.randomUniform([128, 1], 0, 1, 'float32', 6);
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(m.apply(x) as tf.Tensor, y))) as tf.Scalar);
    const out: Float32Array[] = [];
    for (const k of Object.keys(grads).sort()) out.push(await grads[k].data() as Float32Array);
    console.log(b, Object.keys(grads).sort().join(' '));
    res.push(out);
  }
  for (let i = 0; i < res[0].length; i++) { let md = 0, mx = 0; for (let j = 0; j < res[0][i].length; j++) { md = Math.max(md, Math.abs(res[0][i][j] - res[1][i][j])); mx = Math.max(mx, Math.abs(res[0][i][j])); } console.log(i, res[0][i].length, 'maxdiff', md, 'max', mx); }
}
main();
