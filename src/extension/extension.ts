/**
 * Entry point. Activation (on a command, the Runs view or a restored report panel) only wires
 * things up: the command handlers, the run host and everything that computes load on first use.
 */
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { Commands, CommandEnv } from './commands';
import { nativeModulesDir, nativeModulesVariable } from './native-backend';
import { ReportPanel, type PanelEnv } from './report-panel';
import { ComparePanel } from './compare-panel';
import { resolveRunsDirectory, type RunInfo } from './run-storage';
import { RunSession, type StatusView } from './run-session';
import { RunsTree, openRunCommand, runsViewId } from './runs-tree';
import { resolveSettings, settingsSection, type ExtensionSettings } from './settings';
import { StatusBar, statusCommand } from './status-bar';
import { lazyLog, memento, settingsSource, vscodeUi, vscodeWorkspace } from './vscode-adapter';

export const outputChannelName = 'Robustness Lens';
const runningContextKey = 'robustnessLens.running';

/** Settings for places that must not fail (the Runs view, the status bar): a bad value falls back to the defaults. */
function settingsOrDefaults(): ExtensionSettings {
  try {
    return resolveSettings(settingsSource());
  } catch {
    return resolveSettings({ get: () => undefined });
  }
}

/** One output directory per workspace folder, and the one in global storage (demo runs with no folder open). */
function runsDirectories(globalStorage: string): string[] {
  const outputDirectory = settingsOrDefaults().outputDirectory;
  return [...vscodeWorkspace.folders(), globalStorage].map((base) => resolveRunsDirectory(outputDirectory, base));
}

export function activate(context: vscode.ExtensionContext): void {
  const log = lazyLog(outputChannelName);
  const state = memento(context.workspaceState);
  const globalStorage = context.globalStorageUri.fsPath;
  // Workers inherit the environment: this is where they find a native backend installed by the command.
  process.env[nativeModulesVariable] = nativeModulesDir(globalStorage);

  const statusBar = new StatusBar(settingsOrDefaults().backend);
  const status: StatusView = {
    running: (backend, done, total) => {
      statusBar.running(backend, done, total);
      void vscode.commands.executeCommand('setContext', runningContextKey, true);
    },
    idle: (backend) => {
      statusBar.idle(backend);
      void vscode.commands.executeCommand('setContext', runningContextKey, false);
    },
  };

  const panelEnv: PanelEnv = {
    extensionUri: context.extensionUri,
    ui: vscodeUi,
    log,
    state,
    nodePath: () => settingsOrDefaults().nodePath || undefined,
    mayRunModels: () => vscode.workspace.isTrusted,
    baseFolder: () => vscodeWorkspace.folders()[0] ?? homedir(),
  };

  ReportPanel.prepareRestore(state);

  let tree: RunsTree | null = null;
  const session = new RunSession({
    ui: vscodeUi,
    log,
    status,
    startCheck: async () => (await import('../run/check')).startCheck,
    liveView: (outDir) => ReportPanel.show(panelEnv, { runDir: outDir }, null),
    runsChanged: () => tree?.refresh(),
    toolVersion: String(context.extension.packageJSON.version ?? '0.0.0'),
    now: () => new Date(),
  });
  tree = new RunsTree(() => runsDirectories(globalStorage), () => session.runningDir);
  const runsTree = tree;

  const env: CommandEnv = {
    extensionPath: context.extensionPath,
    globalStorage,
    ui: vscodeUi,
    workspace: vscodeWorkspace,
    state,
    log,
    readSettings: () => resolveSettings(settingsSource()),
    session,
    tree: runsTree,
    panelEnv,
  };
  let commands: Promise<Commands> | null = null;
  const handlers = () => (commands ??= import('./commands').then((m) => new m.Commands(env)));
  const register = (id: string, run: (c: Commands, ...args: never[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => run(await handlers(), ...args));

  context.subscriptions.push(
    log,
    statusBar,
    runsTree,
    vscode.window.createTreeView(runsViewId, { treeDataProvider: runsTree, showCollapseAll: false, canSelectMany: true }),
    vscode.window.registerWebviewPanelSerializer(ReportPanel.viewType, {
      deserializeWebviewPanel: (panel, panelState) => ReportPanel.revive(panelEnv, panel, panelState),
    }),
    register('robustnessLens.check', (c, resource?: vscode.Uri) => c.check(resource)),
    register('robustnessLens.demo', (c) => c.demo()),
    register('robustnessLens.openReport', (c, resource?: vscode.Uri) => c.openReport(resource)),
    register('robustnessLens.installNativeBackend', (c) => c.installNativeBackend()),
    register('robustnessLens.installGpuSupport', (c) => c.installGpuSupport()),
    register('robustnessLens.cancel', (c) => c.cancel()),
    vscode.commands.registerCommand(statusCommand, () => log.show()),
    vscode.commands.registerCommand('robustnessLens.runs.refresh', () => runsTree.refresh()),
    register(openRunCommand, (c, run: RunInfo) => c.openRun(run)),
    register('robustnessLens.runs.resume', (c, run: RunInfo) => c.resume(run)),
    register('robustnessLens.runs.rerun', (c, run: RunInfo) => c.rerun(run)),
    register('robustnessLens.runs.delete', (c, run: RunInfo) => c.deleteRun(run)),
    register('robustnessLens.runs.revealFolder', (c, run: RunInfo) => c.revealRun(run)),
    register('robustnessLens.runs.openHtml', (c, run: RunInfo) => c.openHtml(run)),
    register('robustnessLens.runs.compare', (c, run?: RunInfo, selected?: RunInfo[]) => c.compareRuns(run, selected)),
    watchRuns(() => runsTree.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(settingsSection)) return;
      runsTree.refresh();
      if (!session.runningDir) statusBar.idle(settingsOrDefaults().backend);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => runsTree.refresh()),
    { dispose: () => session.cancel() },
    { dispose: () => ReportPanel.disposeAll() },
    { dispose: () => ComparePanel.disposeAll() },
  );
}

/** Refreshes the Runs view when a run's files appear, change or go, e.g. when the CLI writes a run. */
function watchRuns(refresh: () => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/{run.json,report.json}');
  let timer: NodeJS.Timeout | null = null;
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  };
  watcher.onDidCreate(later);
  watcher.onDidChange(later);
  watcher.onDidDelete(later);
  return {
    dispose: () => {
      if (timer) clearTimeout(timer);
      watcher.dispose();
    },
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; a running check is cancelled there.
}
