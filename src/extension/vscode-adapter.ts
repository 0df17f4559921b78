/** The ports of ./ports.ts over the real VS Code API: nothing here decides anything. */
import * as vscode from 'vscode';
import type { Cancellation, FileFilter, KeyValueStore, Log, PickItem, SettingsSource, Ui, WorkspaceInfo } from './ports';
import { settingsSection } from './settings';

function dialogFilters(filters: FileFilter[]): Record<string, string[]> {
  return Object.fromEntries(filters.map((f) => [f.name, f.extensions]));
}

function uriOf(path: string | undefined): vscode.Uri | undefined {
  return path ? vscode.Uri.file(path) : undefined;
}

export const vscodeUi: Ui = {
  async pick<T>(title: string, items: PickItem<T>[], placeHolder?: string): Promise<T | undefined> {
    const chosen = await vscode.window.showQuickPick(
      items.map((item) => ({ label: item.label, description: item.description, detail: item.detail, item })),
      { title, placeHolder, ignoreFocusOut: true, matchOnDescription: true },
    );
    return chosen?.item.value;
  },
  async input(request) {
    return vscode.window.showInputBox({ title: request.title, prompt: request.prompt, value: request.value, ignoreFocusOut: true, validateInput: request.validate });
  },
  async openFile(title, filters, defaultPath) {
    const chosen = await vscode.window.showOpenDialog({ title, openLabel: 'Choose', canSelectFiles: true, canSelectFolders: false, canSelectMany: false, filters: dialogFilters(filters), defaultUri: uriOf(defaultPath) });
    return chosen?.[0]?.fsPath;
  },
  async openFolder(title, defaultPath) {
    const chosen = await vscode.window.showOpenDialog({ title, openLabel: 'Choose', canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: uriOf(defaultPath) });
    return chosen?.[0]?.fsPath;
  },
  async saveFile(title, defaultPath, filters) {
    const chosen = await vscode.window.showSaveDialog({ title, defaultUri: vscode.Uri.file(defaultPath), filters: dialogFilters(filters) });
    return chosen?.fsPath;
  },
  async info(message, ...actions) {
    return vscode.window.showInformationMessage(message, ...actions);
  },
  async warn(message, ...actions) {
    return vscode.window.showWarningMessage(message, ...actions);
  },
  async confirm(message, detail, action) {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
  },
  async error(message, ...actions) {
    return vscode.window.showErrorMessage(message, ...actions);
  },
  async withProgress(title, cancellable, task) {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable }, (progress, token) => {
      const cancellation: Cancellation = {
        get cancelled() {
          return token.isCancellationRequested;
        },
        onCancel(listener) {
          token.onCancellationRequested(listener);
        },
      };
      return task(progress, cancellation);
    });
  },
};

export const vscodeWorkspace: WorkspaceInfo = {
  folders: () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
  isTrusted: () => vscode.workspace.isTrusted,
  async findFiles(include, exclude, maxResults) {
    const found = await vscode.workspace.findFiles(include, exclude, maxResults);
    return found.filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath);
  },
};

export function memento(state: vscode.Memento): KeyValueStore {
  return {
    get: <T>(key: string) => state.get<T>(key),
    update: async (key, value) => {
      await state.update(key, value);
    },
  };
}

export function settingsSource(): SettingsSource {
  const configuration = vscode.workspace.getConfiguration(settingsSection);
  return { get: <T>(key: string) => configuration.get<T>(key) };
}

/** The output channel is created on first use, so activation stays cheap. */
export function lazyLog(name: string): Log & vscode.Disposable {
  let channel: vscode.OutputChannel | null = null;
  const get = () => (channel ??= vscode.window.createOutputChannel(name));
  return {
    line: (text) => get().appendLine(text),
    show: () => get().show(true),
    dispose: () => channel?.dispose(),
  };
}
