/**
 * A Classifier that lets the event loop run after every call. TF.js forwards on wasm and cpu are
 * synchronous and their promises resolve as microtasks, so without this a whole image would run
 * without the process ever reading its IPC channel: a `cancel` would wait for the image to end.
 */
import type { Classifier } from '../engine/classifier';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function yieldingClassifier(inner: Classifier): Classifier {
  const after = async <T>(result: Promise<T>): Promise<T> => {
    const value = await result;
    await nextTurn();
    return value;
  };
  const marginGradients = inner.marginGradients?.bind(inner);
  const logitsPerturbed = inner.logitsPerturbed?.bind(inner);
  return {
    inputShape: inner.inputShape,
    dimension: inner.dimension,
    classCount: inner.classCount,
    predict: (batch, count) => after(inner.predict(batch, count)),
    probabilities: (x) => after(inner.probabilities(x)),
    predictPerturbed: (x, directions, directionCount, scales, clip) =>
      after(inner.predictPerturbed(x, directions, directionCount, scales, clip)),
    lossGradient: (x, label) => after(inner.lossGradient(x, label)),
    marginGradients: marginGradients && ((x, label, others) => after(marginGradients(x, label, others))),
    logitsPerturbed:
      logitsPerturbed && ((x, directions, directionCount, scales, clip) => after(logitsPerturbed(x, directions, directionCount, scales, clip))),
    dispose: () => inner.dispose(),
  };
}
