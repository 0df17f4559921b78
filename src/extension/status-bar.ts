/** The status bar item: where the compute runs (`wasm ×2`, `GPU`, …) and whether a check is going. */
import * as vscode from 'vscode';
import { statusText } from './format';
import type { StatusView } from './run-session';

export const statusCommand = 'robustnessLens.showOutput';

export class StatusBar implements StatusView, vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('robustnessLens.status', vscode.StatusBarAlignment.Left, 10);

  constructor(configuredBackend: string) {
    this.item.name = 'Robustness Lens';
    this.item.command = statusCommand;
    this.idle(configuredBackend);
    this.item.show();
  }

  running(backend: string | null, done: number, total: number | null): void {
    this.item.text = statusText(true, backend, done, total);
    this.item.tooltip = `Robustness Lens: a check is running${backend ? ` on ${backend}` : ''}. Click for its log; cancel it from its notification.`;
  }

  idle(backend: string | null): void {
    this.item.text = statusText(false, backend, 0, null);
    this.item.tooltip = backend ? `Robustness Lens: the last check ran on ${backend}. Click for the log.` : 'Robustness Lens: no check running. Click for the log.';
  }

  dispose(): void {
    this.item.dispose();
  }
}
