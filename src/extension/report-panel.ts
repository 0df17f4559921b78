/**
 * The report panel: one webview panel per report (revealed when already open), owning its
 * disposables and its detail worker. Strict CSP with a nonce; only dist/ and media/ are readable.
 * A WebviewPanelSerializer brings it back after a window reload.
 */
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ExtensionToWebview, ReportSource } from '../protocol/messages';
import type { ImageRecord, Report, Summary } from '../protocol/report';
import { loadPanelPage } from './panel-page';
import { DetailService } from './detail-service';
import { handlePanelMessage, type PanelContext } from './panel-messages';
import { handleTheoryMessage, TheoryService } from './theory-service';
import type { KeyValueStore, Log, Ui } from './ports';
import { isReportSource, loadReport, panelTitle, reportPaths, sourceFolder, sourceFromState, sourceKey } from './report-location';
import type { LiveView } from './run-session';

export interface PanelEnv {
  extensionUri: vscode.Uri;
  ui: Ui;
  log: Log;
  state: KeyValueStore;
  nodePath(): string | undefined;
  mayRunModels(): boolean;
  /** The first workspace folder, else the home folder: where relative paths of a CLI report are taken from. */
  baseFolder(): string;
}

const openReportsKey = 'robustnessLens.openReports';

interface RememberedPanel {
  source: ReportSource;
  title: string;
}

export class ReportPanel implements LiveView {
  static readonly viewType = 'robustnessLens.report';
  private static readonly panels = new Map<string, ReportPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private report: Report | null;
  /** The page said `ready` and is visible: messages reach it. */
  private listening = false;
  private details: DetailService | null = null;
  private readonly theory: TheoryService;

  /** Opens the report's panel, or reveals it (with `report` as its new content) when open. */
  static show(env: PanelEnv, source: ReportSource, report: Report | null): ReportPanel {
    const existing = ReportPanel.panels.get(sourceKey(source));
    if (existing) {
      existing.panel.reveal(undefined, false);
      if (report) existing.setReport(report);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(ReportPanel.viewType, panelTitle(report, source), vscode.ViewColumn.Active, ReportPanel.webviewOptions(env));
    return new ReportPanel(env, panel, source, report);
  }

  /** A panel restored after a window reload; its page's state names the report it showed. */
  static async revive(env: PanelEnv, panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const source = sourceFromState(state) ?? ReportPanel.rememberedSource(panel.title);
    if (!source || ReportPanel.panels.has(sourceKey(source))) {
      panel.dispose();
      return;
    }
    panel.webview.options = ReportPanel.webviewOptions(env);
    const view = new ReportPanel(env, panel, source, null);
    try {
      view.setReport(await loadReport(source));
    } catch (error) {
      env.log.line(`Could not restore the report panel of ${sourceKey(source)}: ${(error as Error).message}`);
      panel.dispose();
    }
  }

  static isOpen(source: ReportSource): boolean {
    return ReportPanel.panels.has(sourceKey(source));
  }

  static disposeAll(): void {
    for (const panel of [...ReportPanel.panels.values()]) panel.panel.dispose();
  }

  private static webviewOptions(env: PanelEnv): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(env.extensionUri, 'dist'), vscode.Uri.joinPath(env.extensionUri, 'media')],
    };
  }

  /**
   * Fallback when the page kept no state: a report that was open when the window closed and is
   * not open again yet, preferring one whose panel had the same title.
   */
  private static rememberedSource(title: string): ReportSource | null {
    const pending = ReportPanel.pendingRestore();
    const candidates = pending.filter((r) => !ReportPanel.panels.has(sourceKey(r.source)));
    const chosen = candidates.find((r) => r.title === title) ?? candidates[0];
    if (!chosen) return null;
    pending.splice(pending.indexOf(chosen), 1);
    return chosen.source;
  }

  /**
   * The panels open when the window last closed, read once at activation: reviving the first must
   * not make the extension forget the others before VS Code asks for them.
   */
  private static restoreQueue: RememberedPanel[] = [];

  static prepareRestore(state: KeyValueStore): void {
    const remembered = state.get<RememberedPanel[]>(openReportsKey);
    ReportPanel.restoreQueue = (Array.isArray(remembered) ? remembered : []).filter((r) => r && isReportSource(r.source) && typeof r.title === 'string');
  }

  private static pendingRestore(): RememberedPanel[] {
    return ReportPanel.restoreQueue;
  }

  private constructor(
    private readonly env: PanelEnv,
    private readonly panel: vscode.WebviewPanel,
    private readonly source: ReportSource,
    report: Report | null,
  ) {
    this.report = report;
    ReportPanel.panels.set(sourceKey(source), this);
    this.rememberOpenReports();
    const webview = panel.webview;
    loadPanelPage(panel, env.extensionUri);
    const context = this.messageContext();
    webview.onDidReceiveMessage((message: unknown) => void handlePanelMessage(context, message), null, this.disposables);
    this.theory = new TheoryService({ workerScript: vscode.Uri.joinPath(env.extensionUri, 'dist', 'theory-worker.js').fsPath, nodePath: env.nodePath(), log: (line) => env.log.line(line) });
    panel.onDidChangeViewState(() => {
      // A hidden page is torn down; when shown again it loads anew and says `ready`.
      if (!panel.visible) this.listening = false;
    }, null, this.disposables);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
  }

  begin(report: Report): void {
    this.setReport(report);
  }

  image(record: ImageRecord, summary: Summary, done: number, total: number): void {
    if (this.listening) this.post({ type: 'image', record, summary, done, total });
  }

  end(report: Report): void {
    this.setReport(report);
  }

  setReport(report: Report): void {
    this.report = report;
    this.panel.title = panelTitle(report, this.source);
    this.rememberOpenReports();
    // Details drawn for an earlier report of the same run may no longer match.
    this.details?.dispose();
    this.details = null;
    if (this.listening) this.sendReport();
  }

  private sendReport(): void {
    if (!this.report) return;
    this.post({ type: 'report', report: this.report, source: this.source });
  }

  private post(message: ExtensionToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private messageContext(): PanelContext {
    const env = this.env;
    return {
      ui: env.ui,
      post: (message) => this.post(message),
      sendReport: () => {
        this.listening = true;
        this.sendReport();
      },
      detail: async (file) => (await this.detailService()).detail(file),
      simulateTheory: (message) => handleTheoryMessage(this.theory, message, (answer) => this.post(answer)),
      hasImage: (file) => this.report?.images.some((image) => image.file === file) ?? false,
      dataDir: async () => (this.report ? (await reportPaths(this.report, this.source, env.baseFolder())).dataDir : null),
      saveFolder: () => sourceFolder(this.source) ?? env.baseFolder(),
      writeFile: (path, bytes) => writeFile(path, bytes),
      openFile: async (path) => {
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path), { preview: true, viewColumn: vscode.ViewColumn.Beside });
      },
      log: (line) => env.log.line(line),
    };
  }

  private async detailService(): Promise<DetailService> {
    if (this.details) return this.details;
    const report = this.report;
    if (!report) throw new Error('the report has not loaded yet');
    const { modelPath, dataDir } = await reportPaths(report, this.source, this.env.baseFolder());
    this.details = new DetailService({
      report,
      modelPath,
      dataDir,
      runDir: this.source.runDir,
      workerScript: vscode.Uri.joinPath(this.env.extensionUri, 'dist', 'worker.js').fsPath,
      nodePath: this.env.nodePath(),
      log: (line) => this.env.log.line(line),
      mayRunModels: () => this.env.mayRunModels(),
    });
    return this.details;
  }

  /** Keeps the open panels (and those still waiting to be restored) in the workspace state. */
  private rememberOpenReports(): void {
    const open: RememberedPanel[] = [...ReportPanel.panels.values()].map((p) => ({ source: p.source, title: p.panel.title }));
    const waiting = ReportPanel.pendingRestore().filter((r) => !ReportPanel.panels.has(sourceKey(r.source)));
    void this.env.state.update(openReportsKey, [...open, ...waiting]);
  }

  private dispose(): void {
    if (ReportPanel.panels.get(sourceKey(this.source)) === this) ReportPanel.panels.delete(sourceKey(this.source));
    this.rememberOpenReports();
    this.details?.dispose();
    this.details = null;
    this.theory.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
