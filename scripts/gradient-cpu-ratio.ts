// The input gradient's cost in forward passes, in CPU time rather than wall time: on a machine
// shared with other jobs, wall-clock medians swing by ±30 % between runs, while the CPU time this
// process spends (ONNX Runtime on one thread, as in a worker) stays within a few per cent.
// Forward passes, lossGradient and the vjp run in interleaved rounds through the worker's own
// classifier, on one seeded image.
//     node --import tsx scripts/gradient-cpu-ratio.ts [--seconds 30] <model.json | model.onnx> ...
import { timeWallAndCpu } from '../src/bench/micro';
import { workerClassifier } from '../src/worker/worker-classifier';
import { OrtClassifier } from '../src/worker/compute/ort-classifier';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const secondsAt = args.indexOf('--seconds');
  const seconds = secondsAt >= 0 ? Number(args.splice(secondsAt, 2)[1]) : 30;
  if (args.length === 0 || !(seconds > 0)) throw new Error('usage: gradient-cpu-ratio.ts [--seconds S] <model> ...');
  for (const model of args) {
    const { classifier } = await workerClassifier(model, 'wasm', 'onnxruntime', 2000);
    if (!(classifier instanceof OrtClassifier)) throw new Error(`${model}: not on ONNX Runtime`);
    try {
      const image = Float32Array.from({ length: classifier.dimension }, (_, i) => ((i * 2654435761) % 1000) / 1000);
      const label = (await classifier.predict(image, 1))[0];
      const w = new Float32Array((await classifier.logits(image, 1)).length);
      w[0] = 1;
      if (w.length > 1) w[1] = -1;
      const actions = [() => classifier.predict(image, 1), () => classifier.lossGradient(image, label), () => classifier.vjp(image, 1, w)];
      // Median CPU milliseconds of each action over interleaved rounds for `seconds` of wall time (after one warm-up round).
      const [forward, loss, vjp] = (await timeWallAndCpu(actions, { minSeconds: seconds, minRepeats: 1 })).cpu;
      console.log(
        `${model}: CPU ms forward ${forward.toFixed(2)}, lossGradient ${loss.toFixed(2)} (${(loss / forward).toFixed(2)}×), vjp ${vjp.toFixed(2)} (${(vjp / forward).toFixed(2)}×)`,
      );
    } finally {
      classifier.dispose();
    }
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
