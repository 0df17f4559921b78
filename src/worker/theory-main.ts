/**
 * A worker process for the Theory view alone (dist/theory-worker.js): it answers `theory` requests
 * (src/protocol/messages.ts) like dist/worker.js does, without loading any model backend, so it
 * starts in a fraction of a second and a newer request can replace one still running by starting
 * a fresh process (src/extension/theory-service.ts).
 */
import { dispatchMessage, type MessageHandlers } from '../protocol/handlers';
import type { HostToWorker, WorkerToHost } from '../protocol/messages';
import { theoryAnswer } from '../engine/theory-answer';

if (!process.send) {
  process.stderr.write('robustness-lens theory worker: start me with child_process.fork (no IPC channel)\n');
  process.exit(2);
}

const send = (message: WorkerToHost) => {
  if (process.connected) process.send!(message);
};

const refuse = (message: HostToWorker) => send({ type: 'error', message: `the theory worker answers theory requests only, not ${message.type}`, fatal: false });
const handlers: MessageHandlers<HostToWorker> = {
  theory: (message) => send(theoryAnswer(message)),
  cancel: () => process.exit(0),
  init: refuse,
  analyse: refuse,
  detail: refuse,
  universality: refuse,
};
process.on('message', (message: HostToWorker) => dispatchMessage(handlers, message));
process.on('disconnect', () => process.exit(0));
