/**
 * A pool of compute worker processes (src/worker/, speaking src/protocol/messages.ts over
 * child_process IPC). Tasks are handed out a few at a time to whichever worker is free, so fast
 * and slow workers balance themselves; results stream back through the listener as they finish.
 * Nothing here blocks the caller: every wait is a promise.
 *
 * A worker that dies mid-run (a signal such as the OOM killer's SIGKILL, a native crash, an IPC
 * channel that closed) is replaced by a fresh one. The image it was on is retried once; when it
 * kills a second worker it is reported as failed and the run goes on with the others.
 */
import { batchBudgetEnv } from '../worker/batch-size';
import { fork, type ChildProcess } from 'node:child_process';
import { dispatchMessage, type MessageHandlers } from '../protocol/handlers';
import type { ImageRecord } from '../protocol/report';
import { TaskQueue } from './task-queue';
import type { TaskList } from './task-list';
import type { HostToWorker, ImageDetail, ImageTask, ModelInfo, Stage, UniversalityPart, UniversalityWork, WorkerToHost } from '../protocol/messages';

export type InitMessage = Extract<HostToWorker, { type: 'init' }>;

export interface PoolOptions {
  workerScript: string;
  /** Node executable; default process.execPath (run as Node under Electron). */
  nodePath?: string;
  size: number;
  init: InitMessage;
  /** How long a worker may take to exit after `cancel` before it is killed. */
  cancelGraceMs?: number;
  /** Memory budget of one forward batch per worker, MB (ROBUSTNESS_LENS_BATCH_MB); default the worker's own. */
  batchMemoryMb?: number;
}

export interface PoolListener {
  progress(index: number, stage: Stage): void;
  result(record: ImageRecord, task: ImageTask, timings: Partial<Record<Stage, number>>): void;
  /** A non-fatal failure on one image (e.g. undecodable): the run goes on without it. */
  imageError(task: ImageTask, message: string): void;
  /**
   * The image was read but gave no valid result: its outputs were not finite, or it was being
   * analysed when two workers died. The run goes on without it.
   */
  imageFailed(task: ImageTask, reason: string, cause: FailureCause): void;
  /** Anything a worker printed, and non-fatal errors not tied to an image. */
  log(message: string): void;
  /** A worker died and a fresh one takes its place (default: logged). */
  workerReplaced?(message: string): void;
}

/** Why an image has no result though it was read. */
export type FailureCause = 'non-finite' | 'worker-died';

type WorkerState = 'starting' | 'idle' | 'busy' | 'exited';

interface PoolWorker {
  id: number;
  process: ChildProcess;
  state: WorkerState;
  /** Tasks sent and not yet answered, in the order sent. */
  assigned: ImageTask[];
  /** The image the worker last reported progress on. */
  current: number | null;
  stderrTail: string;
  /** The one-line reason of a fatal error the worker sent before it exited. */
  lastWords: string | null;
  /** The image a dead worker was on, kept for this fresh worker to retry first. */
  retry: ImageTask | null;
  killTimer: NodeJS.Timeout | null;
}

interface PendingDetail {
  workerId: number;
  resolve(detail: ImageDetail): void;
  reject(error: Error): void;
}

const defaultCancelGraceMs = 3000;
/** Workers dying with no image to blame (idle, drawing a detail, or loading again) before the run gives up. */
const unattributedDeathsPerWorker = 2;
const stderrTailLength = 2000;

export class WorkerPool {
  /** The first worker's description of the model; rejects if the workers cannot load it. */
  readonly ready: Promise<ModelInfo>;
  /** Resolves once the pool is stopped and every worker process (replacements included) has exited. */
  readonly exited: Promise<void>;

  private readonly workers: PoolWorker[] = [];
  private readonly queue = new TaskQueue();
  private readonly pendingDetails = new Map<number, PendingDetail>();
  /** Universality batches sent and not answered; one whose worker died is sent again, once, to the worker that replaces it. */
  private readonly pendingUniversality = new Map<
    number,
    { workerId: number; work: UniversalityWork; retried: boolean; resolve(part: UniversalityPart): void; reject(error: Error): void }
  >();
  private nextRequestId = 1;
  private stopping = false;
  private failure: Error | null = null;
  private running: { resolve(): void; reject(error: Error): void } | null = null;
  private resolveReady!: (model: ModelInfo) => void;
  private rejectReady!: (error: Error) => void;
  private modelInfo: ModelInfo | null = null;
  private resolveExited!: () => void;
  /** Worker deaths while on an image, by task index: the second one fails the image. */
  private readonly crashesOn = new Map<number, number>();
  private unattributedDeaths = 0;

  constructor(
    private readonly options: PoolOptions,
    private readonly listener: PoolListener,
  ) {
    if (options.size < 1) throw new Error('a worker pool needs at least one worker');
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    for (let id = 1; id <= options.size; id++) this.workers.push(this.startWorker(id));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Analyses `tasks`; resolves when each has a result or an image error, or when the pool is cancelled. */
  run(tasks: TaskList | readonly ImageTask[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.stopping) return this.exited;
    if (this.running) return Promise.reject(new Error('the worker pool is already running tasks'));
    this.queue.add(tasks);
    const finished = new Promise<void>((resolve, reject) => {
      this.running = { resolve, reject };
    });
    this.dispatch();
    return finished;
  }

  /** Asks the free worker with the fewest universality batches in hand for one more (src/run/universality.ts). */
  universality(work: UniversalityWork): Promise<UniversalityPart> {
    if (this.failure) return Promise.reject(this.failure);
    const candidates = this.workers.filter((worker) => worker.state === 'idle');
    if (this.stopping || candidates.length === 0) return Promise.reject(new Error('no worker is free to measure universality'));
    const load = (worker: PoolWorker) => [...this.pendingUniversality.values()].filter((pending) => pending.workerId === worker.id).length;
    const worker = candidates.reduce((best, candidate) => (load(candidate) < load(best) ? candidate : best));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pendingUniversality.set(requestId, { workerId: worker.id, work, retried: false, resolve, reject });
      this.send(worker, { type: 'universality', requestId, work });
    });
  }

  private rejectUniversality(error: Error, workerId?: number): void {
    for (const [requestId, pending] of this.pendingUniversality) {
      if (workerId !== undefined && pending.workerId !== workerId) continue;
      this.pendingUniversality.delete(requestId);
      pending.reject(error);
    }
  }

  /** Asks a free worker to draw the detail view of an analysed image. */
  detail(task: ImageTask, record: ImageRecord): Promise<ImageDetail> {
    if (this.failure) return Promise.reject(this.failure);
    const candidates = this.workers.filter((worker) => worker.state === 'idle');
    if (this.stopping || candidates.length === 0) return Promise.reject(new Error('no worker is free to draw image details'));
    const requestId = this.nextRequestId++;
    const worker = candidates[requestId % candidates.length];
    return new Promise((resolve, reject) => {
      this.pendingDetails.set(requestId, { workerId: worker.id, resolve, reject });
      this.send(worker, { type: 'detail', requestId, task, record });
    });
  }

  /** Stops promptly: workers get `cancel`, then are killed after the grace period. Finished results already arrived. */
  cancel(): Promise<void> {
    this.stop();
    return this.exited;
  }

  /** Shuts the workers down once their work is done (same message as cancel: the worker exits when told). */
  close(): Promise<void> {
    return this.cancel();
  }

  private startWorker(id: number, retry: ImageTask | null = null): PoolWorker {
    const child = fork(this.options.workerScript, [], {
      execPath: this.options.nodePath ?? process.execPath,
      execArgv: [],
      env: workerEnvironment(process.env, process.versions, this.options.batchMemoryMb),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Outside the terminal's process group, so Ctrl-C reaches only the host, which then cancels
      // the workers in order (a worker that exits on its own would read as a crash). On Windows
      // `detached` would open a console per worker instead.
      detached: process.platform !== 'win32',
    });
    const worker: PoolWorker = { id, process: child, state: 'starting', assigned: [], current: null, stderrTail: '', lastWords: null, retry, killTimer: null };
    child.stdout?.setEncoding('utf8').on('data', (text: string) => this.logLines(worker, text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      worker.stderrTail = (worker.stderrTail + text).slice(-stderrTailLength);
      this.logLines(worker, text);
    });
    const handlers = this.handlersFor(worker);
    child.on('message', (message) => dispatchMessage(handlers, message as WorkerToHost));
    child.on('error', (error) => {
      if (child.pid !== undefined) {
        // Running, but a message could not be sent or a signal not delivered: its 'exit' tells the rest.
        this.listener.log(`worker ${id}: ${error.message}`);
        return;
      }
      worker.state = 'exited';
      this.fail(new Error(`could not run worker ${id} with ${this.options.nodePath ?? process.execPath}: ${error.message}`));
      this.resolveExitedIfAllGone();
    });
    // The IPC channel closed while the process lives on (it can no longer be told or heard): end it, and let 'exit' replace it.
    child.on('disconnect', () => {
      if (worker.state !== 'exited' && !this.stopping) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => this.onExit(worker, code, signal));
    this.send(worker, this.options.init);
    return worker;
  }

  /** What the pool does with each Worker → Host message from `worker` (one table per worker, made when it starts). */
  private handlersFor(worker: PoolWorker): MessageHandlers<WorkerToHost> {
    return {
      ready: (message) => {
        if (worker.state !== 'starting') return;
        worker.state = 'idle';
        if (!this.modelInfo) {
          this.modelInfo = message.model;
          this.resolveReady(message.model);
        }
        for (const [requestId, pending] of this.pendingUniversality) {
          if (pending.workerId === worker.id) this.send(worker, { type: 'universality', requestId, work: pending.work });
        }
        this.dispatch();
      },
      progress: (message) => {
        worker.current = message.index;
        this.listener.progress(message.index, message.stage);
      },
      result: (message) => {
        const task = this.takeAssigned(worker, message.record.index, message.record.file);
        if (!task) {
          this.listener.log(`worker ${worker.id} sent a result for ${message.record.file}, which it was not given`);
          return;
        }
        this.listener.result({ ...message.record, file: task.file, index: task.index }, task, message.timings);
      },
      idle: () => {
        for (const task of worker.assigned.splice(0)) this.listener.imageError(task, `worker ${worker.id} returned no result`);
        worker.current = null;
        if (worker.state === 'busy') worker.state = 'idle';
        this.dispatch();
      },
      universality: (message) => {
        const pending = this.pendingUniversality.get(message.requestId);
        this.pendingUniversality.delete(message.requestId);
        pending?.resolve(message.part);
      },
      detail: (message) => {
        const pending = this.pendingDetails.get(message.requestId);
        this.pendingDetails.delete(message.requestId);
        pending?.resolve(message.detail);
      },
      error: (message) => this.onWorkerError(worker, message),
      // The pool never asks a run's workers for a simulation (the Theory view has its own worker).
      theory: (message) => this.listener.log(`worker ${worker.id} sent a theory answer (${message.requestId}) nobody asked for`),
    };
  }

  private onWorkerError(worker: PoolWorker, message: Extract<WorkerToHost, { type: 'error' }>): void {
    if (message.fatal && worker.state === 'starting' && !this.modelInfo) {
      // The model cannot be loaded: no other worker will do better.
      this.fail(new Error(oneLine(message.message)));
      return;
    }
    if (message.fatal) {
      // A worker that ran before and now gives up (out of memory, a bug) is treated like a crash: its exit replaces it.
      worker.lastWords = oneLine(message.message);
      return;
    }
    const pending = message.requestId === undefined ? undefined : this.pendingDetails.get(message.requestId);
    if (pending) {
      this.pendingDetails.delete(message.requestId as number);
      pending.reject(new Error(oneLine(message.message)));
      return;
    }
    const task = message.index === undefined ? undefined : this.takeAssigned(worker, message.index, undefined);
    if (task && message.failed) this.listener.imageFailed(task, oneLine(message.message), 'non-finite');
    else if (task) this.listener.imageError(task, oneLine(message.message));
    else this.listener.log(`worker ${worker.id}: ${oneLine(message.message)}`);
  }

  private onExit(worker: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    const wasLoading = worker.state === 'starting';
    worker.state = 'exited';
    if (worker.killTimer) clearTimeout(worker.killTimer);
    for (const [requestId, pending] of this.pendingDetails) {
      if (pending.workerId !== worker.id) continue;
      this.pendingDetails.delete(requestId);
      pending.reject(new Error(`worker ${worker.id} exited before drawing the image detail`));
    }
    for (const [requestId, pending] of this.pendingUniversality) {
      if (pending.workerId !== worker.id) continue;
      if (this.stopping || pending.retried) {
        this.pendingUniversality.delete(requestId);
        pending.reject(new Error(`worker ${worker.id} exited while measuring universality`));
      } else {
        // Kept for the replacement (same id), which gets it once ready; a failed run rejects it.
        pending.retried = true;
      }
    }
    if (this.stopping) {
      this.settleIfDone();
      this.resolveExitedIfAllGone();
      return;
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const lastWords = worker.lastWords ?? lastWordsOf(worker.stderrTail);
    const because = lastWords ? `: ${lastWords}` : '';
    const culprit = this.culpritOf(worker);
    const loading = wasLoading ? ' while loading the model' : '';
    let retry: ImageTask | null = null;
    if (!culprit) {
      // Before any worker loaded the model, a death says the model cannot be loaded here.
      if (!this.modelInfo) {
        this.fail(new Error(`worker ${worker.id} ${how} while loading the model${because}`));
        return;
      }
      this.unattributedDeaths++;
      if (this.unattributedDeaths > this.options.size * unattributedDeathsPerWorker) {
        this.fail(new Error(`worker ${worker.id} ${how}${loading}${because} (${this.unattributedDeaths} workers died with no image to blame)`));
        return;
      }
      this.replaced(`worker ${worker.id} ${how}${loading}${because}; starting a new worker`);
      // A replacement that died loading hands its retry on to the next one.
      retry = worker.retry;
    } else {
      const crashes = (this.crashesOn.get(culprit.index) ?? 0) + 1;
      this.crashesOn.set(culprit.index, crashes);
      if (crashes >= 2) {
        worker.assigned.splice(worker.assigned.indexOf(culprit), 1);
        this.listener.imageFailed(culprit, `the worker analysing it ${how} (${crashes} times, each on a fresh worker)${because}`, 'worker-died');
      } else {
        worker.assigned.splice(worker.assigned.indexOf(culprit), 1);
        retry = culprit;
        this.replaced(`worker ${worker.id} ${how} while analysing ${culprit.file}${because}; a new worker retries it`);
      }
    }
    // What it had not started goes back to the front of the queue, in order.
    this.queue.putBack(worker.assigned.splice(0));
    worker.current = null;
    worker.retry = null;
    this.replace(worker, retry);
  }

  private replaced(message: string): void {
    if (this.listener.workerReplaced) this.listener.workerReplaced(message);
    else this.listener.log(message);
  }

  /** The image a dead worker was on: the one it last reported progress on, else the first it was given. */
  private culpritOf(worker: PoolWorker): ImageTask | undefined {
    return worker.assigned.find((t) => t.index === worker.current) ?? worker.assigned[0];
  }

  /** A fresh worker in the dead one's slot; it retries `retry` alone before taking other images. */
  private replace(dead: PoolWorker, retry: ImageTask | null): void {
    const slot = this.workers.indexOf(dead);
    this.workers[slot] = this.startWorker(dead.id, retry);
    this.dispatch();
  }

  private resolveExitedIfAllGone(): void {
    if (this.stopping && this.workers.every((worker) => worker.state === 'exited')) this.resolveExited();
  }

  /** Gives free workers their next few tasks; settles `run` when nothing is left. */
  private dispatch(): void {
    for (const worker of this.workers) {
      if (this.stopping || this.failure || !this.running) break;
      if (worker.state !== 'idle' || (this.queue.length === 0 && !worker.retry)) continue;
      const tasks = worker.retry ? [worker.retry] : this.queue.take(this.chunkSize());
      worker.retry = null;
      worker.assigned.push(...tasks);
      worker.state = 'busy';
      this.send(worker, { type: 'analyse', tasks });
    }
    this.settleIfDone();
  }

  /** A few tasks per hand-out keep IPC idle time small; fewer near the end, so no worker waits on another's backlog. */
  private chunkSize(): number {
    const busyCapacity = Math.max(1, this.workers.length * 2);
    return Math.max(1, Math.min(4, Math.floor(this.queue.length / busyCapacity)));
  }

  private settleIfDone(): void {
    if (!this.running) return;
    const outstanding = this.workers.some((worker) => (worker.assigned.length > 0 || worker.retry !== null) && worker.state !== 'exited');
    const finished = this.queue.length === 0 && !outstanding;
    const allGone = this.workers.every((worker) => worker.state === 'exited');
    if (finished || (this.stopping && allGone)) {
      const running = this.running;
      this.running = null;
      running.resolve();
    }
  }

  private takeAssigned(worker: PoolWorker, index: number | undefined, file: string | undefined): ImageTask | undefined {
    const position = worker.assigned.findIndex((task) => (index !== undefined ? task.index === index : task.file === file));
    return position < 0 ? undefined : worker.assigned.splice(position, 1)[0];
  }

  private fail(error: Error): void {
    if (this.failure || this.stopping) return;
    this.failure = error;
    this.rejectReady(error);
    this.running?.reject(error);
    this.running = null;
    for (const pending of this.pendingDetails.values()) pending.reject(error);
    this.rejectUniversality(error);
    this.pendingDetails.clear();
    this.stop();
  }

  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.queue.clear();
    this.rejectReady(new Error('the run was stopped before the model loaded'));
    for (const worker of this.workers) {
      if (worker.state === 'exited') continue;
      this.send(worker, { type: 'cancel' });
      worker.killTimer = setTimeout(() => worker.process.kill('SIGKILL'), this.options.cancelGraceMs ?? defaultCancelGraceMs);
    }
    this.settleIfDone();
    this.resolveExitedIfAllGone();
  }

  private send(worker: PoolWorker, message: HostToWorker): void {
    if (!worker.process.connected) return;
    // A worker that just died makes send fail; its 'exit' event reports it.
    worker.process.send(message, (error) => {
      if (error && !this.stopping) this.listener.log(`could not send ${message.type} to worker ${worker.id}: ${error.message}`);
    });
  }

  private logLines(worker: PoolWorker, text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.listener.log(`worker ${worker.id}: ${line.trimEnd()}`);
  }
}

/** Under Electron (VS Code desktop) process.execPath is Electron itself: ask it to run as plain Node. */
export function workerEnvironment(env: NodeJS.ProcessEnv, versions: NodeJS.ProcessVersions, batchMemoryMb?: number): NodeJS.ProcessEnv {
  const workerEnv: NodeJS.ProcessEnv = versions.electron ? { ...env, ELECTRON_RUN_AS_NODE: '1' } : { ...env };
  if (batchMemoryMb !== undefined) workerEnv[batchBudgetEnv] = String(batchMemoryMb);
  return workerEnv;
}

function oneLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** The line of a dead worker's stderr that says why: the last error line, else the last line but Node's version banner. */
function lastWordsOf(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line && !/^Node\.js v\d/.test(line));
  const errorLine = [...lines].reverse().find((line) => /^(\w*Error\b|FATAL|Fatal|Aborted|RuntimeError|.*out of memory)/.test(line));
  return errorLine ?? (lines.length ? lines[lines.length - 1] : '');
}
