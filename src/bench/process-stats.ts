/**
 * CPU time and resident memory of another process, read from /proc on Linux. CPU time is what the
 * process itself ran (utime + stime), so it does not grow while other jobs hold the cores: images
 * per CPU-second measure the code's own cost even on a loaded machine, where images per wall-clock
 * second measure the load as well.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (USER_HZ), which /proc/<pid>/stat counts in; 100 when getconf is missing. */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * The fields of a /proc/<pid>/stat text from field 3 (state) on: field n is at [n - 3]. The command
 * name (field 2, in parentheses) may hold spaces and parentheses, so they are counted after its last ')'.
 */
export function statFieldsAfterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime in clock ticks from the text of /proc/<pid>/stat (fields 14 and 15). */
export function cpuTicksFromStat(stat: string): number {
  const after = statFieldsAfterName(stat);
  const utime = Number(after[11]);
  const stime = Number(after[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** This process's CPU milliseconds so far (user + system), every thread (ONNX Runtime's included). */
export function ownCpuMilliseconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** CPU-seconds `pid` has run so far, or null when it cannot be read (gone, or no /proc). */
export function cpuSecondsOf(pid: number): number | null {
  try {
    return cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicksPerSecond();
  } catch {
    return null;
  }
}

/** A memory line of /proc/<pid>/status (VmRSS: resident now, VmHWM: its peak) in bytes, or null when it cannot be read. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The resident set of `pid` now (VmRSS) in bytes, or null when it cannot be read. */
export function residentBytesOf(pid: number): number | null {
  return statusBytes(pid, 'VmRSS');
}

/** The peak resident set of `pid` (VmHWM) in bytes, or null when it cannot be read. */
export function peakResidentBytes(pid: number): number | null {
  return statusBytes(pid, 'VmHWM');
}
