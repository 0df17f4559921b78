/**
 * Time left in a check, from this session's own images only. Resumed images took no time now, and
 * the wait before the first results (workers starting, loading and warming up the model) is not
 * throughput: counting either made the first estimate after a resume several times too long.
 *
 * Until every worker has finished an image, the images' measured compute time (their stages'
 * timings, shared among the workers) gives the pace; after that, the interval between recent
 * completions does, which also counts what the timings leave out (IPC, writing results).
 */
export class EtaEstimator {
  private readonly finishedAt: number[] = [];
  private busyMs = 0;

  /** `workers`: the processes analysing this session's images side by side. */
  constructor(private readonly workers: number) {}

  /** One of this session's images finished at `atMs`, after `busyMs` of worker time. */
  imageFinished(atMs: number, busyMs: number): void {
    this.finishedAt.push(atMs);
    this.busyMs += Math.max(0, busyMs);
  }

  /** Seconds until `remaining` more images are done; null before this session has finished one. */
  secondsLeft(remaining: number): number | null {
    if (remaining <= 0) return 0;
    const n = this.finishedAt.length;
    if (n === 0) return null;
    const workers = Math.max(1, this.workers);
    let msPerImage: number;
    if (n > workers) {
      const intervals = Math.min(n - 1, recentIntervals(workers));
      msPerImage = (this.finishedAt[n - 1] - this.finishedAt[n - 1 - intervals]) / intervals;
    } else {
      msPerImage = this.busyMs / n / workers;
    }
    return (remaining * msPerImage) / 1000;
  }
}

/** Completions the pace is measured over: enough to even out workers finishing together, few enough to follow a change of pace. */
function recentIntervals(workers: number): number {
  return Math.max(4 * workers, 20);
}
