/**
 * Progress on stderr: on a terminal one line rewritten in place, otherwise plain lines (for CI
 * logs), at most one every few seconds besides the first and the last.
 */
import type { RunEvent } from '../run/types';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const plainIntervalMs = 5000;
const ttyIntervalMs = 100;

export class ProgressPrinter {
  private lineShown = false;
  private lastWrite = -Infinity;
  private lastDone = -1;

  constructor(
    private readonly stream: ProgressStream,
    private readonly verbose: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  handle(event: RunEvent): void {
    switch (event.type) {
      case 'started': {
        const { model } = event;
        const resumed = event.resumed > 0 ? ` (${event.resumed} done earlier)` : '';
        this.printLine(
          `checking ${event.total} image${event.total === 1 ? '' : 's'}${resumed} · input ${model.inputShape.join('×')} (d=${model.dimension}) · ` +
            `${model.classCount} classes · ${model.backend} ×${event.workers} → ${event.outDir}`,
        );
        return;
      }
      case 'progress':
        this.showProgress(event.done, event.total, event.stage, event.etaSeconds);
        return;
      case 'warning':
        this.printLine(`warning: ${event.message}`);
        return;
      case 'log':
        if (this.verbose) this.printLine(event.message);
        return;
      case 'image':
        return;
    }
  }

  /** Removes the in-place line before the final output. */
  finish(): void {
    if (this.lineShown) this.stream.write('\r\x1b[K');
    this.lineShown = false;
  }

  printLine(text: string): void {
    this.finish();
    this.stream.write(`${text}\n`);
  }

  private showProgress(done: number, total: number, stage: string | null, etaSeconds: number | null): void {
    const last = done >= total;
    const now = this.now();
    if (done === this.lastDone && last) return;
    if (!last && now - this.lastWrite < (this.stream.isTTY ? ttyIntervalMs : plainIntervalMs)) return;
    this.lastWrite = now;
    this.lastDone = done;
    const share = total === 0 ? 100 : Math.floor((100 * done) / total);
    const parts = [`${done}/${total} images`, `${share}%`];
    if (stage && !last) parts.push(stage);
    if (etaSeconds !== null && !last) parts.push(`ETA ${duration(etaSeconds)}`);
    const text = parts.join(' · ');
    if (this.stream.isTTY) {
      const width = Math.max(20, (this.stream.columns || 80) - 1);
      this.stream.write(`\r\x1b[K${text.slice(0, width)}`);
      this.lineShown = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
