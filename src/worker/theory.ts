/**
 * The worker's answer to a `theory` request (src/protocol/messages.ts): the paper's two-balls or
 * two-half-balls model simulated by the engine's one pure function. It needs no model, so it is
 * answered outside the session's queue, in a worker that may never have been initialised.
 */
import { simulateTheory } from '../engine/two-balls';
import type { HostToWorker, WorkerToHost } from '../protocol/messages';

export function theoryAnswer(request: Extract<HostToWorker, { type: 'theory' }>): WorkerToHost {
  try {
    return { type: 'theory', requestId: request.requestId, rows: simulateTheory(request.parameters) };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { type: 'error', message: text.split('\n')[0], fatal: false, requestId: request.requestId };
  }
}
