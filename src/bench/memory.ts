/**
 * Peak resident memory of this process's child processes (the workers), read from /proc on Linux:
 * VmHWM is the kernel's own high-water mark of the resident set, so sampling now and then does not
 * miss a peak between samples, as long as a sample lands before the child exits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { peakResidentBytes, statFieldsAfterName } from './process-stats';

/** PIDs whose parent is `parentPid`; empty where /proc is not available. */
export function childPids(parentPid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid.
      if (Number(statFieldsAfterName(readFileSync(`/proc/${entry}/stat`, 'utf8'))[1]) === parentPid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** Samples the children of this process until stopped; keeps each child's highest peak. */
export class ChildMemorySampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    for (const pid of childPids(process.pid)) {
      const peak = peakResidentBytes(pid);
      if (peak !== null) this.peaks.set(pid, Math.max(peak, this.peaks.get(pid) ?? 0));
    }
  }

  /** Stops sampling; the peak of each child seen, in bytes, in order of pid. */
  stop(): number[] {
    this.sample();
    clearInterval(this.timer);
    return [...this.peaks.entries()].sort((a, b) => a[0] - b[0]).map(([, bytes]) => bytes);
  }
}
