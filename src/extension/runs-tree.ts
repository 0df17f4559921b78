/** The Runs view: every run folder in the output directories, newest first; selecting one opens its report. */
import * as vscode from 'vscode';
import { listRuns, type RunInfo } from './run-storage';
import { runItemModel } from './runs-view';

export const runsViewId = 'robustnessLens.runs';
export const openRunCommand = 'robustnessLens.runs.open';

export class RunsTree implements vscode.TreeDataProvider<RunInfo>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    /** The folders runs are stored in (one per workspace folder, or global storage). */
    private readonly runsDirectories: () => string[],
    private readonly runningDir: () => string | null,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(run: RunInfo): vscode.TreeItem {
    const model = runItemModel(run, this.runningDir());
    const item = new vscode.TreeItem(model.label, vscode.TreeItemCollapsibleState.None);
    item.id = run.dir;
    item.description = model.description;
    item.tooltip = model.tooltip;
    item.iconPath = new vscode.ThemeIcon(model.icon);
    item.contextValue = model.contextValue;
    item.command = { command: openRunCommand, title: 'Open Report', arguments: [run] };
    return item;
  }

  async getChildren(parent?: RunInfo): Promise<RunInfo[]> {
    if (parent) return [];
    const directories = [...new Set(this.runsDirectories())];
    const runs = (await Promise.all(directories.map((dir) => listRuns(dir)))).flat();
    return runs.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  }

  dispose(): void {
    this.changed.dispose();
  }
}
