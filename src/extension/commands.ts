/**
 * The command handlers. Loaded on the first command, not at activation (extension.ts imports this
 * lazily), so activating the extension stays cheap.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { ReportSource } from '../protocol/messages';
import { demoFolder, isInside, planCheck, planFromRun, startFromResource, type CheckPlan, type FlowDeps } from './check-flow';
import { reportError } from './errors';
import { gpuRequirements, installNativeBackend, runProcess, type NativeVariant } from './native-backend';
import { installGpuSupport } from './gpu-support';
import { createRequire } from 'node:module';
import type { KeyValueStore, Log, Ui, WorkspaceInfo } from './ports';
import { ReportPanel, type PanelEnv } from './report-panel';
import { dateTimeText } from '../report/format';
import { loadReport } from './report-location';
import { pickReport } from './report-picker';
import { deleteRun, modelName, readReport as readRunReport, runFiles, type RunInfo } from './run-storage';
import { ComparePanel } from './compare-panel';
import { runTitle } from './run-title';
import { compareReports } from '../engine/compare';
import { tool } from '../run/version';
import type { RunSession } from './run-session';
import type { RunsTree } from './runs-tree';
import type { ExtensionSettings } from './settings';

export interface CommandEnv {
  extensionPath: string;
  globalStorage: string;
  ui: Ui;
  workspace: WorkspaceInfo;
  state: KeyValueStore;
  log: Log;
  readSettings(): ExtensionSettings;
  session: RunSession;
  tree: RunsTree;
  panelEnv: PanelEnv;
}

export const untrustedMessage =
  'Robustness Lens runs models in worker processes configured by this workspace, so it only checks models in a trusted workspace. Trust the workspace to run a check; stored reports can still be opened.';

export class Commands {
  constructor(private readonly env: CommandEnv) {}

  private get distDir(): string {
    return join(this.env.extensionPath, 'dist');
  }

  /** Command `robustnessLens.check`, from the palette or the explorer's context menu. */
  async check(resource?: vscode.Uri): Promise<void> {
    await this.guard('the check could not start', async () => {
      if (!(await this.trusted())) return;
      const deps = this.flowDeps();
      const plan = await planCheck(deps, startFromResource(resource?.scheme === 'file' ? resource.fsPath : undefined));
      if (plan) await this.run(plan);
    });
  }

  async demo(): Promise<void> {
    await this.guard('the demo could not start', async () => {
      if (!(await this.trusted())) return;
      const demo = demoFolder(this.env.extensionPath);
      const model = join(demo, 'model', 'model.json');
      const data = join(demo, 'data');
      if (!existsSync(model) || !existsSync(data)) throw new Error(`the demo model and images are missing from this installation (${dirname(dirname(model))})`);
      const plan = await planCheck(this.flowDeps(), { model, data });
      if (plan) await this.run(plan);
    });
  }

  /** Command `robustnessLens.openReport`: a report.json from the explorer, else a stored run or a file picked. */
  async openReport(resource?: vscode.Uri): Promise<void> {
    await this.guard('the report could not be opened', async () => {
      const choice = resource ? { path: resource.fsPath } : await pickReport(this.env.ui, await this.env.tree.getChildren(), this.env.workspace.folders()[0]);
      if (!choice) return;
      if ('run' in choice) return this.openRun(choice.run);
      const path = choice.path;
      const folder = dirname(path);
      const isRunFolder = basename(path) === runFiles.report && (existsSync(join(folder, runFiles.run)) || existsSync(join(folder, runFiles.images)));
      const source: ReportSource = isRunFolder ? { runDir: folder } : { reportPath: path };
      ReportPanel.show(this.env.panelEnv, source, await loadReport(source));
    });
  }

  async openRun(run: RunInfo): Promise<void> {
    await this.guard('the report could not be opened', async () => {
      const source: ReportSource = { runDir: run.dir };
      const live = this.env.session.liveReport(run.dir);
      if (live || (this.env.session.runningDir === run.dir && ReportPanel.isOpen(source))) {
        ReportPanel.show(this.env.panelEnv, source, live);
        return;
      }
      if (!existsSync(run.dir)) {
        this.env.tree.refresh();
        throw new Error(`the run folder ${run.dir} no longer exists`);
      }
      if (!existsSync(join(run.dir, runFiles.report))) {
        const choice = await this.env.ui.info(`Robustness Lens: this run has not finished: ${run.done} image${run.done === 1 ? '' : 's'} done and no report yet.`, 'Resume');
        if (choice === 'Resume') await this.resume(run);
        return;
      }
      ReportPanel.show(this.env.panelEnv, source, await loadReport(source));
    });
  }

  async resume(run: RunInfo): Promise<void> {
    await this.guard('the run could not be resumed', async () => {
      if (!(await this.trusted())) return;
      await this.run(await planFromRun(this.flowDeps(), run, 'resume'));
    });
  }

  async rerun(run: RunInfo): Promise<void> {
    await this.guard('the run could not be repeated', async () => {
      if (!(await this.trusted())) return;
      await this.run(await planFromRun(this.flowDeps(), run, 'rerun'));
    });
  }

  async deleteRun(run: RunInfo): Promise<void> {
    await this.guard('the run could not be deleted', async () => {
      if (this.env.session.runningDir === run.dir) {
        void this.env.ui.warn('Robustness Lens: this run is still going; stop it before deleting it.');
        return;
      }
      const name = run.settings ? runTitle(run.settings.model, run.settings.data, run.preset) : run.id;
      const confirmed = await this.env.ui.confirm(`Delete the run "${name}" (${run.id})?`, `Its folder ${run.dir} and every file in it are deleted.`, 'Delete');
      if (!confirmed) return;
      await deleteRun(dirname(run.dir), run.dir);
      this.env.log.line(`Deleted run ${run.dir}`);
      this.env.tree.refresh();
    });
  }

  async revealRun(run: RunInfo): Promise<void> {
    const uri = vscode.Uri.file(run.dir);
    const inWorkspace = this.env.workspace.folders().some((folder) => isInside(folder, run.dir));
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
  }

  /**
   * Compares two finished runs: the two selected in the Runs view, or the clicked one and one
   * picked from the others.
   */
  async compareRuns(clicked?: RunInfo, selected?: readonly RunInfo[]): Promise<void> {
    await this.guard('the runs could not be compared', async () => {
      const finished = (run: RunInfo) => existsSync(join(run.dir, runFiles.report));
      let pair = (selected ?? []).length === 2 ? [...selected!] : clicked ? [clicked] : [];
      if ((selected ?? []).length > 2) throw new Error(`select two runs to compare, not ${selected!.length}`);
      const others = (await this.env.tree.getChildren()).filter((run) => finished(run) && !pair.some((p) => p.dir === run.dir));
      while (pair.length < 2) {
        if (others.length === 0) throw new Error('there is no other finished run to compare with');
        const picked = await this.env.ui.pick<RunInfo>(
          `Robustness Lens: compare ${pair.length === 0 ? 'run A' : `${pair[0].id} with`}`,
          others.map((run) => ({ label: run.id, description: run.settings ? modelName(run.settings.model) : undefined, detail: dateTimeText(run.startedAt), value: run })),
        );
        if (!picked) return;
        pair = [...pair, picked];
        others.splice(others.indexOf(picked), 1);
      }
      const unfinished = pair.find((run) => !finished(run));
      if (unfinished) throw new Error(`the run ${unfinished.id} has no report yet`);
      const named = await Promise.all(pair.map(async (run) => ({ report: await readRunReport(run.dir), source: join(run.dir, runFiles.report), name: run.id })));
      ComparePanel.show(vscode.Uri.file(this.env.extensionPath), compareReports(named[0], named[1], tool), { ui: this.env.ui, log: (line) => this.env.log.line(line) });
    });
  }

  async openHtml(run: RunInfo): Promise<void> {
    await this.guard('report.html could not be opened', async () => {
      const path = join(run.dir, runFiles.html);
      if (!existsSync(path)) throw new Error(`${path} does not exist (the run has not finished)`);
      const opened = await vscode.env.openExternal(vscode.Uri.file(path));
      if (!opened) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path));
    });
  }

  cancel(): void {
    if (this.env.session.runningDir) this.env.session.cancel();
    else void this.env.ui.info('Robustness Lens: no check is running.');
  }

  async installNativeBackend(): Promise<void> {
    await this.guard('the native backend could not be installed', async () => {
      if (!(await this.trusted())) return;
      const variant = await this.env.ui.pick<NativeVariant>('Robustness Lens: native backend', [
        { label: 'TensorFlow CPU', description: '@tensorflow/tfjs-node', detail: 'Native TensorFlow on the CPU: several times faster than wasm. Linux, macOS, Windows (x64).', value: 'tfjs-node' },
        { label: 'TensorFlow GPU', description: '@tensorflow/tfjs-node-gpu', detail: `Native TensorFlow with CUDA. Needs ${gpuRequirements}.`, value: 'tfjs-node-gpu' },
      ]);
      if (!variant) return;
      const settings = this.env.readSettings();
      const node = settings.nodePath || process.execPath;
      const npmBesideNode = settings.nodePath ? join(dirname(settings.nodePath), process.platform === 'win32' ? 'npm.cmd' : 'npm') : null;
      const npm = npmBesideNode && existsSync(npmBesideNode) ? npmBesideNode : 'npm';
      await mkdir(this.env.globalStorage, { recursive: true });
      this.env.log.line(`Installing @tensorflow/${variant} into ${this.env.globalStorage} with ${npm}`);
      const result = await this.installing(`Robustness Lens: installing ${variant}`, (onLine) =>
        installNativeBackend({ variant, globalStorage: this.env.globalStorage, npm, node, run: runProcess, onLine }),
      );
      if (result.ok) {
        this.env.log.line(`Installed @tensorflow/${variant} in ${result.modulesDir}`);
        void this.env.ui.info(`Robustness Lens: ${variant} is installed. With the backend setting on "auto" the next check uses it (${variant === 'tfjs-node-gpu' ? 'tensorflow-gpu' : 'tensorflow'}).`);
        return;
      }
      await this.installFailed(result.reason, 'Checks keep running on the wasm backend.');
    });
  }

  async installGpuSupport(): Promise<void> {
    await this.guard('GPU support could not be installed', async () => {
      if (!(await this.trusted())) return;
      const settings = this.env.readSettings();
      const node = settings.nodePath || process.execPath;
      const packageJson = createRequire(join(this.distDir, 'worker.js')).resolve('onnxruntime-node/package.json');
      this.env.log.line(`Installing ONNX Runtime's CUDA execution provider into ${dirname(packageJson)}`);
      const result = await this.installing('Robustness Lens: installing GPU support', (onLine) => installGpuSupport({ packageJson, node, run: runProcess, onLine }));
      if (result.ok) {
        void this.env.ui.info('Robustness Lens: CUDA support is installed. Set robustnessLens.backend to "cuda" to run ONNX Runtime on the GPU.');
        return;
      }
      await this.installFailed(result.reason, 'Checks keep running on the CPU.');
    });
  }

  /** Runs an install under a progress notification, its output lines in the log and the notification. */
  private installing<T>(title: string, install: (onLine: (line: string) => void) => Promise<T>): Promise<T> {
    return this.env.ui.withProgress(title, false, (progress) =>
      install((line) => {
        this.env.log.line(`  ${line}`);
        progress.report({ message: line.slice(0, 120) });
      }),
    );
  }

  private async installFailed(reason: string, fallback: string): Promise<void> {
    this.env.log.line(`Install failed: ${reason}`);
    const choice = await this.env.ui.error(`Robustness Lens: ${reason}. ${fallback}`, 'Show Output');
    if (choice === 'Show Output') this.env.log.show();
  }

  /** Runs a planned check; a failure during the run is reported here, as "the check failed". */
  private async run(plan: CheckPlan): Promise<void> {
    await mkdir(plan.runsDir, { recursive: true });
    this.env.tree.refresh();
    try {
      const result = await this.env.session.run(plan);
      if (result.kind === 'busy') void this.env.ui.warn('Robustness Lens: a check is already running; stop it (Cancel in its notification) before starting another.');
    } catch (error) {
      await this.report('the check failed', error);
    }
  }

  private flowDeps(): FlowDeps {
    return {
      ui: this.env.ui,
      workspace: this.env.workspace,
      state: this.env.state,
      log: this.env.log,
      settings: this.env.readSettings(),
      fallbackFolder: this.env.globalStorage,
      distDir: this.distDir,
      now: () => new Date(),
    };
  }

  private async trusted(): Promise<boolean> {
    if (this.env.workspace.isTrusted()) return true;
    const choice = await this.env.ui.warn(untrustedMessage, 'Manage Workspace Trust');
    if (choice === 'Manage Workspace Trust') await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  }

  private async guard(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      await this.report(what, error);
    }
  }

  private report(what: string, error: unknown): Promise<void> {
    return reportError({ ui: this.env.ui, log: this.env.log, openSetting: (key) => void vscode.commands.executeCommand('workbench.action.openSettings', key) }, what, error);
  }
}
