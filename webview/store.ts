/** The report the page shows, kept current from 'report' and live 'image' messages. */
import type { ImageRecord, Report, Summary } from '../src/protocol/report';

export interface Progress {
  done: number;
  total: number;
}

export class ReportStore {
  report: Report | null = null;
  progress: Progress | null = null;
  /** Bumped on every change, so views can skip work when nothing moved. */
  version = 0;
  private positions = new Map<string, number>();
  private listeners: (() => void)[] = [];

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  setReport(report: Report): void {
    this.report = report;
    this.positions = new Map(report.images.map((r, i) => [r.file, i]));
    if (report.status !== 'running') this.progress = null;
    this.changed();
  }

  /** A live run finished one more image: add it (or replace a resumed one) with the new summary. */
  addImage(record: ImageRecord, summary: Summary, progress: Progress): void {
    if (!this.report) return;
    const at = this.positions.get(record.file);
    if (at === undefined) {
      this.positions.set(record.file, this.report.images.length);
      this.report.images.push(record);
    } else {
      this.report.images[at] = record;
    }
    this.report.summary = summary;
    this.report.status = progress.done >= progress.total ? this.report.status : 'running';
    this.progress = progress;
    this.changed();
  }

  record(file: string): ImageRecord | undefined {
    const at = this.positions.get(file);
    return at === undefined ? undefined : this.report?.images[at];
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
