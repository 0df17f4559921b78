/**
 * One check at a time, driven from the extension host: the run host forks the workers (the
 * compute never runs here), this shows progress with an ETA and a Cancel button, keeps the status
 * bar and the live panel up to date, and says how the run ended.
 */
import type { ImageRecord, Report, Summary } from '../protocol/report';
import type { CheckOptions, CheckOutcome, RunEvent, RunHandle } from '../run/types';
import type { CheckPlan } from './check-flow';
import { oneLine } from './errors';
import { backendLabel, progressMessage } from './format';
import { LiveReport, finishedRecords, startingReport } from './live-report';
import type { Log, Ui } from './ports';
import { runTitle } from './run-title';

export type StartCheck = (options: CheckOptions, onEvent: (event: RunEvent) => void) => RunHandle;

/** The status bar item, as the session drives it. */
export interface StatusView {
  running(backend: string | null, done: number, total: number | null): void;
  idle(backend: string | null): void;
}

/** The report panel of a run while it goes. */
export interface LiveView {
  begin(report: Report): void;
  image(record: ImageRecord, summary: Summary, done: number, total: number): void;
  end(report: Report): void;
}

export interface SessionDeps {
  ui: Ui;
  log: Log;
  status: StatusView;
  startCheck(): Promise<StartCheck>;
  /** Opens (or reveals) the run's panel. */
  liveView(outDir: string, title: string): LiveView;
  runsChanged(): void;
  toolVersion: string;
  now(): Date;
}

export type SessionResult = { kind: 'finished'; outcome: CheckOutcome } | { kind: 'busy' };

export class RunSession {
  private current: { outDir: string; handle: RunHandle | null; cancelled: boolean; live: LiveReport | null } | null = null;
  private lastBackend: string | null = null;

  constructor(private readonly deps: SessionDeps) {}

  get runningDir(): string | null {
    return this.current?.outDir ?? null;
  }

  /** The report of the running check so far, when `dir` is its folder. */
  liveReport(dir: string): Report | null {
    return this.current?.outDir === dir ? this.current.live?.report ?? null : null;
  }

  cancel(): void {
    if (!this.current) return;
    this.current.cancelled = true;
    this.current.handle?.cancel();
  }

  /** Runs a planned check to its end; rejects with the run's one-line error. */
  async run(plan: CheckPlan): Promise<SessionResult> {
    if (this.current) return { kind: 'busy' };
    const { ui, log, status } = this.deps;
    const options = plan.options;
    const current = { outDir: options.out, handle: null as RunHandle | null, cancelled: false, live: null as LiveReport | null };
    this.current = current;
    const title = runTitle(options.model, options.data, plan.settingsPreset);
    log.line(`Run ${plan.runId}: ${options.model} on ${options.data} (${plan.preset}) → ${options.out}`);
    log.line(`  α ${options.alphas.join(',')} · ${options.samples} samples · ${options.scales} steps to ε ${options.maxEps} · seed ${options.seed}${options.clip ? ' · clip' : ''}${options.limit ? ` · first ${options.limit} images` : ''}${options.sample ? ` · ${options.sample} images spread over the dataset` : ''} · backend ${options.backend}${options.forward ? ` · forward ${options.forward}` : ''}`);
    status.running(this.lastBackend, 0, null);
    const startedAt = this.deps.now();
    let live: LiveReport | null = null;
    let view: LiveView | null = null;
    const warnings: string[] = [];
    try {
      const startCheck = await this.deps.startCheck();
      const outcome = await ui.withProgress(`Robustness Lens: ${title}`, true, async (progress, cancellation) => {
        let shownPercent = 0;
        const advance = (done: number, total: number, message: string) => {
          const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
          progress.report({ message, increment: Math.max(0, percent - shownPercent) });
          shownPercent = Math.max(shownPercent, percent);
        };
        progress.report({ message: 'starting workers, loading the model…' });
        // Panel updates run in order: the records of a resumed run are read before new ones are added.
        let updates = Promise.resolve();
        const queue = (task: () => void | Promise<void>) => {
          updates = updates.then(task).catch((error) => log.line(`  the panel could not be updated: ${oneLine(error)}`));
        };
        const onEvent = (event: RunEvent): void => {
          switch (event.type) {
            case 'started': {
              this.lastBackend = backendLabel(event.model.backend, event.workers, event.model.forward);
              status.running(this.lastBackend, event.resumed, event.total);
              log.line(`  ${event.model.format} model, input ${event.model.inputShape.join('×')}, ${event.model.classCount} classes, ${event.model.outputActivation} output; ${this.lastBackend}; ${event.total} images${event.resumed ? `, ${event.resumed} already done (resuming)` : ''}`);
              advance(event.resumed, event.total, progressMessage(event.resumed, event.total, null, null) + (event.resumed ? ' (resumed)' : ''));
              const report = startingReport(options, event.model, plan.classes, this.deps.toolVersion, startedAt, event.firstStartedAt);
              queue(async () => {
                const records = event.resumed ? await finishedRecords(options.out) : [];
                live = new LiveReport({ ...report, images: records });
                current.live = live;
                view = this.deps.liveView(options.out, title);
                view.begin(live.report);
              });
              break;
            }
            case 'progress':
              if (!current.cancelled) advance(event.done, event.total, progressMessage(event.done, event.total, event.stage, event.etaSeconds));
              status.running(this.lastBackend, event.done, event.total);
              break;
            case 'image':
              status.running(this.lastBackend, event.done, event.total);
              queue(() => {
                live?.add(event.record, event.summary);
                view?.image(event.record, event.summary, event.done, event.total);
              });
              break;
            case 'warning':
              warnings.push(event.message);
              log.line(`  warning: ${event.message}`);
              break;
            case 'log':
              log.line(`  ${event.message}`);
              break;
          }
        };
        const handle = startCheck(options, onEvent);
        current.handle = handle;
        cancellation.onCancel(() => {
          current.cancelled = true;
          progress.report({ message: 'stopping the workers; finished images are kept…' });
          handle.cancel();
        });
        if (current.cancelled) handle.cancel();
        const result = await handle.done;
        await updates;
        return result;
      });
      const done = outcome.report.images.length;
      log.line(`Run ${plan.runId} ${outcome.status}: ${done} images → ${outcome.outDir}`);
      (view as LiveView | null)?.end(outcome.report);
      if (outcome.status === 'cancelled') {
        void ui.info(`Robustness Lens: run stopped; ${done} finished image${done === 1 ? '' : 's'} kept in ${outcome.outDir}. Resume it from the Runs view.`);
      } else if (warnings.length > 0) {
        void ui.warn(`Robustness Lens: run finished with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings[0]}${warnings.length > 1 ? ' (all in the output channel)' : ''}`);
      }
      return { kind: 'finished', outcome };
    } finally {
      this.current = null;
      status.idle(this.lastBackend);
      this.deps.runsChanged();
    }
  }
}
