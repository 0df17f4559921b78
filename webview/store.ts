/** The report the page shows, kept current from 'report' and live 'image' messages. */
import type { ImageRecord, Report, Summary } from '../src/protocol/report';
import { ImagesByFile } from '../src/report/images-by-file';

export interface Progress {
  done: number;
  total: number;
}

export class ReportStore {
  report: Report | null = null;
  progress: Progress | null = null;
  /** Bumped on every change, so views can skip work when nothing moved. */
  version = 0;
  private images = new ImagesByFile([]);
  private listeners: (() => void)[] = [];

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  setReport(report: Report): void {
    this.report = report;
    this.images = new ImagesByFile(report.images);
    if (report.status !== 'running') this.progress = null;
    this.changed();
  }

  /** A live run finished one more image: add it (or replace a resumed one) with the new summary. */
  addImage(record: ImageRecord, summary: Summary, progress: Progress): void {
    if (!this.report) return;
    this.images.upsert(record);
    this.report.summary = summary;
    this.report.status = progress.done >= progress.total ? this.report.status : 'running';
    this.progress = progress;
    this.changed();
  }

  record(file: string): ImageRecord | undefined {
    return this.images.get(file);
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
