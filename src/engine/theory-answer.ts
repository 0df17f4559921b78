/**
 * The answer to a `theory` request (src/protocol/messages.ts): the paper's two-balls or
 * two-half-balls model simulated by the engine's one pure function. It needs no model, so worker
 * processes (src/worker/session.ts, theory-main.ts) and the standalone report's Web Worker
 * (webview/theory-worker.ts) all answer with it.
 */
import { simulateTheory } from './two-balls';
import type { HostToWorker, WorkerToHost } from '../protocol/messages';

/** `simulateTheory` checks the parameters; its refusal, or any other error, is one line of text. */
export function theoryAnswer(request: Extract<HostToWorker, { type: 'theory' }>): WorkerToHost {
  try {
    return { type: 'theory', requestId: request.requestId, rows: simulateTheory(request.parameters) };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { type: 'error', message: text.split('\n')[0], fatal: false, requestId: request.requestId };
  }
}
