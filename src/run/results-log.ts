/**
 * images.jsonl: one ImageRecord a line, appended as each image finishes, so a killed run keeps
 * everything it finished and a rerun resumes from it.
 */
import { closeSync, existsSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import type { ImageRecord } from '../protocol/report';

/**
 * The records of an earlier run. A run killed mid-write can leave a torn last line: it is cut off
 * (the image is simply analysed again). A malformed line elsewhere means the file is not ours.
 */
export function readResults(path: string): ImageRecord[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const complete = text.split('\n');
  // After the last newline: empty, or a line whose write was cut short.
  const torn = complete.pop() as string;
  const records: ImageRecord[] = [];
  complete.forEach((line, number) => {
    if (!line.trim()) return;
    const record = parseRecord(line);
    if (!record) throw new Error(`${path} line ${number + 1} is not an image record; use another --out or --fresh`);
    records.push(record);
  });
  const tornRecord = torn.trim() ? parseRecord(torn) : null;
  if (tornRecord) records.push(tornRecord);
  if (torn && !tornRecord) truncateSync(path, Buffer.byteLength(text) - Buffer.byteLength(torn));
  else if (tornRecord) writeTail(path, '\n');
  return records;
}

export class ResultsLog {
  private fd: number | null;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends one record; written straight to the file (no user-space buffer), so a crash right after keeps it. */
  append(record: ImageRecord): void {
    if (this.fd === null) throw new Error('the results log is closed');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export function writeResults(path: string, records: readonly ImageRecord[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const record of records) writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
}

function parseRecord(line: string): ImageRecord | null {
  try {
    const value = JSON.parse(line) as ImageRecord;
    return typeof value === 'object' && value !== null && typeof value.file === 'string' ? value : null;
  } catch {
    return null;
  }
}

function writeTail(path: string, text: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
