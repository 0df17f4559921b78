/**
 * The compute worker process: forked by the run host (src/run/), it speaks the Host → Worker /
 * Worker → Host messages of src/protocol/messages.ts over the IPC channel. Nothing goes to stdout.
 */
import type { HostToWorker, WorkerToHost } from '../protocol/messages';
import { WorkerSession, type WorkerPort } from './session';

if (!process.send) {
  process.stderr.write('robustness-lens worker: start me with child_process.fork (no IPC channel)\n');
  process.exit(2);
}

let unsent = 0;
let exitCode: number | null = null;

function exitWhenFlushed(): void {
  if (exitCode !== null && unsent === 0) process.exit(exitCode);
}

const port: WorkerPort = {
  send(message: WorkerToHost) {
    if (!process.connected) return;
    unsent++;
    process.send!(message, undefined, undefined, () => {
      unsent--;
      exitWhenFlushed();
    });
  },
  exit(code: number) {
    exitCode = code;
    exitWhenFlushed();
  },
  log(line: string) {
    process.stderr.write(`${line}\n`);
  },
};

const session = new WorkerSession(port);
process.on('message', (message: HostToWorker) => session.receive(message));
// The host went away: nothing left to work for.
process.on('disconnect', () => process.exit(0));

const crash = (error: unknown) => {
  const text = error instanceof Error ? error.message : String(error);
  port.send({ type: 'error', message: `worker crashed: ${text.split('\n')[0]}`, detail: error instanceof Error ? error.stack : undefined, fatal: true });
  port.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
