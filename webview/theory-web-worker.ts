/**
 * The standalone report's Theory simulations, run in a Web Worker started from a blob: URL of the
 * worker's bundled text (the one kind of worker the page's CSP allows; nothing is fetched). One at a
 * time: a newer request terminates the worker still busy with an older one, which is superseded;
 * one with parameters the simulation would refuse does too, and is refused without a worker.
 */
import workerSource from 'theory-worker-source';
import { validateTheoryParameters, type TheoryParameters } from '../src/engine/two-balls';
import type { WorkerToHost } from '../src/protocol/messages';
import type { TheoryAnswer } from './host';

interface Pending {
  requestId: number;
  settle(answer: TheoryAnswer): void;
}

export class TheoryWebWorker {
  private worker: { worker: Worker; url: string } | null = null;
  private pending: Pending | null = null;
  private nextRequestId = 0;

  simulate(parameters: TheoryParameters): Promise<TheoryAnswer> {
    if (this.pending) {
      this.pending.settle({ superseded: true });
      this.pending = null;
      this.stop();
    }
    const problem = validateTheoryParameters(parameters);
    if (problem) return Promise.resolve({ error: problem });
    const requestId = ++this.nextRequestId;
    return new Promise((resolve) => {
      try {
        const worker = this.start();
        this.pending = { requestId, settle: resolve };
        worker.postMessage({ type: 'theory', requestId, parameters });
      } catch (error) {
        resolve({ error: `the browser would not start a Web Worker (${(error as Error).message})` });
      }
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker.worker;
    const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
    const worker = new Worker(url);
    worker.onmessage = (event: MessageEvent<WorkerToHost>) => {
      const message = event.data;
      const pending = this.pending;
      if (!pending || !('requestId' in message) || message.requestId !== pending.requestId) return;
      this.pending = null;
      if (message.type === 'theory') pending.settle({ rows: message.rows });
      else if (message.type === 'error') pending.settle({ error: message.message });
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const pending = this.pending;
      this.pending = null;
      this.stop();
      pending?.settle({ error: `the simulation's Web Worker failed: ${event.message || 'no reason given'}` });
    };
    this.worker = { worker, url };
    return worker;
  }

  private stop(): void {
    if (!this.worker) return;
    this.worker.worker.terminate();
    URL.revokeObjectURL(this.worker.url);
    this.worker = null;
  }
}
