import { loadBackend } from '../src/worker/backends';
import { loadModel } from '../src/worker/model/load-model';
import { TfClassifier } from '../src/worker/model/tf-classifier';
async function main() {
  const { tf } = await loadBackend((process.argv[3] ?? 'wasm') as 'wasm');
  const m = await loadModel(tf, process.argv[2]);
  const c = new TfClassifier(tf, m, 64);
  const x = new Float32Array(c.dimension).fill(0.3);
  await c.lossGradient(x, 0);
  const p = await tf.profile(async () => { await c.lossGradient(x, 0); });
  const agg = new Map<string, [number, number]>();
  for (const k of p.kernels) { const a = agg.get(k.name) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(k.name, a); }
  console.log([...agg.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 14).map(([n, [t, c]]) => `${n} ${t.toFixed(2)}ms x${c}`).join('\n'));
  const t0 = performance.now(); for (let i = 0; i < 20; i++) await c.lossGradient(x, 0); console.log('grad ms', (performance.now() - t0) / 20);
  const t1 = performance.now(); for (let i = 0; i < 20; i++) await c.predict(x, 1); console.log('fwd ms', (performance.now() - t1) / 20);
}
main();
