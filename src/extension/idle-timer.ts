/**
 * A worker kept for a while between requests: `start` when the last request is answered, `stop`
 * when a new one comes; `onIdle` (which stops the worker) runs when none came in time. The timer
 * keeps no process alive.
 */
export class IdleTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly onIdle: () => void, private readonly idleMs = 60_000) {}

  start(): void {
    this.stop();
    this.timer = setTimeout(this.onIdle, this.idleMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
