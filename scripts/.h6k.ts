import { loadBackend } from '../src/worker/backends';
import * as tf from '@tensorflow/tfjs-core';
async function main() {
  await loadBackend('wasm');
  const t = async (name: string, f: () => tf.Tensor) => { for (let i = 0; i < 3; i++) tf.dispose(f()); const s = performance.now(); const n = 50; for (let i = 0; i < n; i++) { const r = f(); await r.data(); r.dispose(); } console.log(name, ((performance.now() - s) / n).toFixed(3), 'ms'); };
  for (const [hw, ci, co] of [[28, 3, 64], [28, 64, 64], [14, 64, 128], [14, 128, 128]]) {
    const x = tf.randomUniform([1, hw, hw, ci]) as tf.Tensor4D; const w = tf.randomUniform([3, 3, ci, co]) as tf.Tensor4D; const dy = tf.randomUniform([1, hw, hw, co]) as tf.Tensor4D;
    await t(`fwd ${hw} ${ci}->${co}`, () => tf.conv2d(x, w, 1, 'same'));
    await t(`bwd ${hw} ${co}->${ci}`, () => tf.conv2dTranspose(dy, w, [1, hw, hw, ci], 1, 'same'));
    const wt = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    await t(`fwd-equivalent ${hw} ${co}->${ci}`, () => tf.conv2d(dy, wt, 1, 'same'));
  }
}
main();
