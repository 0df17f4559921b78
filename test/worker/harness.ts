// Runs the real built worker (dist/worker.js) as the host does: child_process.fork with IPC.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { HostToWorker, WorkerToHost } from '../../src/protocol/messages';

const root = join(__dirname, '..', '..');
export const workerScript = join(root, 'dist', 'worker.js');

/** Bundles the worker (once per test file). */
export function buildWorker(): void {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building the worker failed: ${build.stderr}`);
}

export class ForkedWorker {
  readonly process: ChildProcess;
  readonly messages: WorkerToHost[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.process = fork(workerScript, [], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...env } });
    this.process.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.process.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.process.on('message', (message) => {
      this.messages.push(message as WorkerToHost);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: HostToWorker): void {
    this.process.send(message);
  }

  /** The first message (from `from` on) that matches; rejects if the worker exits first. */
  async next<T extends WorkerToHost>(match: (message: WorkerToHost) => message is T, from = 0): Promise<T> {
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(`the worker exited (${this.process.exitCode ?? this.process.signalCode}) before the message; stderr: ${this.stderr}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  of<K extends WorkerToHost['type']>(type: K): Array<Extract<WorkerToHost, { type: K }>> {
    return this.messages.filter((m): m is Extract<WorkerToHost, { type: K }> => m.type === type);
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}

export const isType =
  <K extends WorkerToHost['type']>(type: K) =>
  (message: WorkerToHost): message is Extract<WorkerToHost, { type: K }> =>
    message.type === type;
