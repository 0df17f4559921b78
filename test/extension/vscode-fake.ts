/**
 * A stand-in for the `vscode` module, enough to load the built extension bundle and activate it
 * under Node: it records registrations and notifications instead of drawing anything.
 */
import Module from 'node:module';
import { join } from 'node:path';

type Listener<T> = (value: T) => unknown;

export class FakeEventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of this.listeners) l(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

const disposable = () => ({ dispose: () => undefined });
const noEvent = () => disposable();

export interface FakeUri {
  scheme: string;
  fsPath: string;
  toString(): string;
}

const uriFile = (path: string): FakeUri => ({ scheme: 'file', fsPath: path, toString: () => `file://${path}` });

/** A webview panel that keeps what the extension set and posted; `receive` plays the page's messages. */
export class FakeWebviewPanel {
  title: string;
  iconPath: unknown;
  visible = true;
  revealed = 0;
  disposed = false;
  readonly posted: unknown[] = [];
  private readonly received = new FakeEventEmitter<unknown>();
  private readonly viewState = new FakeEventEmitter<unknown>();
  private readonly disposal = new FakeEventEmitter<void>();
  readonly webview = {
    options: {} as { enableScripts?: boolean; localResourceRoots?: FakeUri[] },
    html: '',
    cspSource: 'https://fake.vscode-cdn.net',
    asWebviewUri: (uri: FakeUri) => ({ toString: () => `https://fake.vscode-cdn.net${uri.fsPath}` }),
    postMessage: async (message: unknown) => {
      this.posted.push(message);
      return true;
    },
    onDidReceiveMessage: (listener: Listener<unknown>, _this?: unknown, disposables?: { dispose(): void }[]) => {
      const d = this.received.event(listener);
      disposables?.push(d);
      return d;
    },
  };

  constructor(
    readonly viewType: string,
    title: string,
    options: { enableScripts?: boolean; localResourceRoots?: FakeUri[] } = {},
  ) {
    this.title = title;
    this.webview.options = options;
  }

  receive(message: unknown): void {
    this.received.fire(message);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.viewState.fire({ webviewPanel: this });
  }

  reveal(): void {
    this.revealed++;
  }

  onDidChangeViewState = (listener: Listener<unknown>, _this?: unknown, disposables?: { dispose(): void }[]) => {
    const d = this.viewState.event(listener);
    disposables?.push(d);
    return d;
  };

  onDidDispose = (listener: Listener<void>, _this?: unknown, disposables?: { dispose(): void }[]) => {
    const d = this.disposal.event(listener);
    disposables?.push(d);
    return d;
  };

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposal.fire();
  }
}

export function createFakeVscode(options: { folders: string[]; trusted: boolean; settings?: Record<string, unknown> }) {
  const record = {
    commands: new Map<string, (...args: unknown[]) => unknown>(),
    executed: [] as { id: string; args: unknown[] }[],
    messages: [] as { kind: string; message: string; actions: unknown[] }[],
    outputChannels: [] as string[],
    statusItems: [] as { text: string; tooltip?: string; command?: string; shown: boolean }[],
    treeViews: [] as string[],
    serializers: [] as string[],
    watchers: [] as string[],
    panels: [] as FakeWebviewPanel[],
  };
  const vscode = {
    version: '1.100.0',
    EventEmitter: FakeEventEmitter,
    StatusBarAlignment: { Left: 1, Right: 2 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ThemeIcon: class {
      constructor(readonly id: string) {}
    },
    TreeItem: class {
      constructor(
        readonly label: string,
        readonly collapsibleState: number,
      ) {}
    },
    Uri: {
      file: uriFile,
      joinPath: (base: FakeUri, ...parts: string[]) => uriFile(join(base.fsPath, ...parts)),
    },
    commands: {
      registerCommand(id: string, handler: (...args: unknown[]) => unknown) {
        if (record.commands.has(id)) throw new Error(`command ${id} registered twice`);
        record.commands.set(id, handler);
        return { dispose: () => record.commands.delete(id) };
      },
      async executeCommand(id: string, ...args: unknown[]) {
        record.executed.push({ id, args });
        const own = record.commands.get(id);
        return own ? own(...args) : undefined;
      },
    },
    window: {
      createOutputChannel(name: string) {
        record.outputChannels.push(name);
        return { appendLine: () => undefined, show: () => undefined, dispose: () => undefined };
      },
      createStatusBarItem(_id: string) {
        const item = { text: '', tooltip: undefined as string | undefined, command: undefined as string | undefined, name: '', shown: false, show: () => (item.shown = true), dispose: () => undefined };
        record.statusItems.push(item);
        return item;
      },
      createTreeView(id: string) {
        record.treeViews.push(id);
        return disposable();
      },
      createWebviewPanel(viewType: string, title: string, _column: unknown, options: { enableScripts?: boolean; localResourceRoots?: FakeUri[] }) {
        const panel = new FakeWebviewPanel(viewType, title, options);
        record.panels.push(panel);
        return panel;
      },
      registerWebviewPanelSerializer(viewType: string) {
        record.serializers.push(viewType);
        return disposable();
      },
      async showInformationMessage(message: string, ...actions: unknown[]) {
        record.messages.push({ kind: 'info', message, actions });
        return undefined;
      },
      async showWarningMessage(message: string, ...actions: unknown[]) {
        record.messages.push({ kind: 'warn', message, actions });
        return undefined;
      },
      async showErrorMessage(message: string, ...actions: unknown[]) {
        record.messages.push({ kind: 'error', message, actions });
        return undefined;
      },
    },
    workspace: {
      get workspaceFolders() {
        return options.folders.map((f, index) => ({ uri: uriFile(f), name: f, index }));
      },
      get isTrusted() {
        return options.trusted;
      },
      getConfiguration: () => ({ get: (key: string) => options.settings?.[key] }),
      createFileSystemWatcher(pattern: string) {
        record.watchers.push(pattern);
        return { onDidCreate: noEvent, onDidChange: noEvent, onDidDelete: noEvent, dispose: () => undefined };
      },
      onDidChangeConfiguration: noEvent,
      onDidChangeWorkspaceFolders: noEvent,
      onDidGrantWorkspaceTrust: noEvent,
      findFiles: async () => [],
    },
    env: { openExternal: async () => true },
  };
  return { vscode, record };
}

export function fakeContext(extensionPath: string, globalStorage: string, version: string) {
  const state = new Map<string, unknown>();
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionPath,
    extensionUri: uriFile(extensionPath),
    globalStorageUri: uriFile(globalStorage),
    workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] },
    extension: { packageJSON: { version } },
  };
}

/** Makes `require('vscode')` answer `vscode` until the returned function is called. */
export function installFakeVscode(vscode: unknown, modulePath: string): () => void {
  const internals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string; _cache: Record<string, unknown> };
  const original = internals._resolveFilename;
  internals._cache[modulePath] = { id: modulePath, filename: modulePath, loaded: true, exports: vscode };
  internals._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? modulePath : original.call(this, request, ...rest);
  };
  return () => {
    internals._resolveFilename = original;
    delete internals._cache[modulePath];
  };
}
