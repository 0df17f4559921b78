/**
 * The Theory view's simulations, run off the extension host's thread in a worker process
 * (dist/theory-worker.js, the `theory` request of src/protocol/messages.ts). One simulation at a
 * time: a newer request stops the process still busy with an older one and starts a fresh one, and
 * the older request's answer is never posted; a newer one with bad parameters stops it too, and is
 * refused without a process. The process is kept for a while between requests.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { validateTheoryParameters, type TheoryParameters, type TheoryRow } from '../engine/two-balls';
import type { ExtensionToWebview, WorkerToHost } from '../protocol/messages';
import { workerEnvironment } from '../run/pool';
import { webviewMessage } from '../protocol/webview-guard';
import { oneLine } from './errors';
import { IdleTimer } from './idle-timer';

export interface TheoryServiceOptions {
  /** dist/theory-worker.js */
  workerScript: string;
  nodePath?: string;
  log(line: string): void;
  /** How long the process waits for the next request before it is stopped. */
  idleMs?: number;
}

interface Pending {
  requestId: number;
  settle(answer: { rows: TheoryRow[] } | { superseded: true } | { error: Error }): void;
}

export class TheoryService {
  private child: ChildProcess | null = null;
  private pending: Pending | null = null;
  private nextRequestId = 0;
  private readonly idleTimer: IdleTimer;
  private stderrTail = '';
  private disposed = false;

  constructor(private readonly options: TheoryServiceOptions) {
    this.idleTimer = new IdleTimer(() => this.stopChild(), options.idleMs);
  }

  /** The model's rows per dimension, or null when a newer request superseded this one. */
  simulate(parameters: TheoryParameters): Promise<TheoryRow[] | null> {
    if (this.disposed) return Promise.reject(new Error('the report panel was closed'));
    if (this.pending) {
      this.pending.settle({ superseded: true });
      this.pending = null;
      this.stopChild();
    }
    // Refused here too (the page checks first, then sends it anyway to stop a stale simulation): no
    // process for it, and an idle one keeps its timer.
    const problem = validateTheoryParameters(parameters);
    if (problem) return Promise.reject(new Error(problem));
    this.idleTimer.stop();
    const requestId = ++this.nextRequestId;
    return new Promise((resolve, reject) => {
      this.pending = {
        requestId,
        settle: (answer) => {
          if ('rows' in answer) resolve(answer.rows);
          else if ('superseded' in answer) resolve(null);
          else reject(answer.error);
        },
      };
      this.startChild().send({ type: 'theory', requestId, parameters });
    });
  }

  dispose(): void {
    this.disposed = true;
    this.idleTimer.stop();
    // Nobody is left to answer.
    this.pending?.settle({ superseded: true });
    this.pending = null;
    this.stopChild();
  }

  private startChild(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(this.options.workerScript, [], {
      execPath: this.options.nodePath ?? process.execPath,
      execArgv: [],
      env: workerEnvironment(process.env, process.versions),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderrTail = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    child.on('message', (message: WorkerToHost) => this.answer(child, message));
    child.on('error', (error) => this.childGone(child, error.message));
    child.on('exit', (code, signal) => this.childGone(child, this.lastWords() || `it exited (${signal ?? `code ${code}`})`));
    this.child = child;
    return child;
  }

  private answer(child: ChildProcess, message: WorkerToHost): void {
    const pending = this.pending;
    if (child !== this.child || !pending || !('requestId' in message) || message.requestId !== pending.requestId) return;
    if (message.type === 'theory') pending.settle({ rows: message.rows });
    else if (message.type === 'error') pending.settle({ error: new Error(message.message) });
    else return;
    this.pending = null;
    this.idleTimer.start();
  }

  private childGone(child: ChildProcess, why: string): void {
    if (child !== this.child) return;
    this.child = null;
    this.idleTimer.stop();
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    this.options.log(`theory worker stopped: ${why}`);
    pending.settle({ error: new Error(`the simulation's worker process stopped: ${why}`) });
  }

  private lastWords(): string {
    const lines = this.stderrTail.split('\n').map((line) => line.trim()).filter((line) => line && !/^Node\.js v\d/.test(line));
    return lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.at(-1) ?? '';
  }

  private stopChild(): void {
    const child = this.child;
    this.child = null;
    child?.kill();
  }
}

/**
 * The panel's `simulateTheory` message (checked by the shared guard), answered with `theory`
 * (handlePanelMessage's table hands it here; other messages are ignored). A superseded request gets no answer: the page waits for its newest one.
 */
export async function handleTheoryMessage(service: TheoryService, message: unknown, post: (message: ExtensionToWebview) => void): Promise<void> {
  const m = webviewMessage(message);
  if (m?.type !== 'simulateTheory') return;
  const requestId = m.requestId;
  try {
    const rows = await service.simulate(m.parameters);
    if (rows) post({ type: 'theory', requestId, rows });
  } catch (error) {
    post({ type: 'theory', requestId, rows: null, error: oneLine(error) });
  }
}
