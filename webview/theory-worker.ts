/**
 * The standalone report's Web Worker for the Theory view (bundled on its own and inlined in the
 * page's bundle as text: scripts/build.mjs). It answers the worker protocol's `theory` request
 * (src/protocol/messages.ts) with the engine's answer (the worker processes give the same one),
 * off the page's thread.
 */
import { theoryAnswer } from '../src/engine/theory-answer';
import type { HostToWorker, WorkerToHost } from '../src/protocol/messages';

const scope = self as unknown as { onmessage: ((event: MessageEvent<HostToWorker>) => void) | null; postMessage(message: WorkerToHost): void };

scope.onmessage = (event) => {
  const request = event.data;
  if (request?.type !== 'theory') return;
  scope.postMessage(theoryAnswer(request));
};
