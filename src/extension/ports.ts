/**
 * What the extension's logic needs from VS Code, as plain interfaces: the command flow, settings
 * resolution, run storage and panel messaging are written against these, so they run under
 * `node --test` with fakes. src/extension/vscode-adapter.ts implements them over the real API.
 */

/** One entry of a quick pick; `value` is what the pick returns. */
export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface InputRequest {
  title: string;
  prompt: string;
  value: string;
  /** Returns a one-line error for bad input, undefined when the input is acceptable. */
  validate(text: string): string | undefined;
}

export interface FileFilter {
  /** Shown name, e.g. "TF.js model". */
  name: string;
  /** Extensions without the dot. */
  extensions: string[];
}

export interface ProgressReporter {
  /** `message` replaces the previous one; `increment` adds to the bar (percent). */
  report(update: { message?: string; increment?: number }): void;
}

export interface Cancellation {
  readonly cancelled: boolean;
  onCancel(listener: () => void): void;
}

/** The window: pickers, input boxes, dialogs, notifications and progress. */
export interface Ui {
  /** The first item is the active (preselected) one; undefined when the user dismissed the pick. */
  pick<T>(title: string, items: PickItem<T>[], placeHolder?: string): Promise<T | undefined>;
  input(request: InputRequest): Promise<string | undefined>;
  openFile(title: string, filters: FileFilter[], defaultPath?: string): Promise<string | undefined>;
  openFolder(title: string, defaultPath?: string): Promise<string | undefined>;
  saveFile(title: string, defaultPath: string, filters: FileFilter[]): Promise<string | undefined>;
  info(message: string, ...actions: string[]): Promise<string | undefined>;
  warn(message: string, ...actions: string[]): Promise<string | undefined>;
  /** A modal question with one action besides Cancel; true when the user chose the action. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  error(message: string, ...actions: string[]): Promise<string | undefined>;
  withProgress<R>(title: string, cancellable: boolean, task: (progress: ProgressReporter, cancellation: Cancellation) => Promise<R>): Promise<R>;
}

/** The workspace as far as the flow cares: folders, trust and file search. */
export interface WorkspaceInfo {
  /** Absolute paths of the open workspace folders (empty when none is open). */
  folders(): string[];
  isTrusted(): boolean;
  /** Absolute paths of files matching a glob in any workspace folder. */
  findFiles(include: string, exclude: string, maxResults: number): Promise<string[]>;
}

/** Per-workspace memory (VS Code's workspaceState). */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Promise<void>;
}

/** Reads `robustnessLens.<key>` from the settings. */
export interface SettingsSource {
  get<T>(key: string): T | undefined;
}

/** The "Robustness Lens" output channel. */
export interface Log {
  line(text: string): void;
  show(): void;
}
