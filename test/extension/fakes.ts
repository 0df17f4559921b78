/**
 * Fakes of the extension's ports (src/extension/ports.ts): a window that answers from a script and
 * records every question, an in-memory workspace state, a log that keeps its lines.
 */
import assert from 'node:assert/strict';
import type { Cancellation, FileFilter, InputRequest, KeyValueStore, Log, PickItem, ProgressReporter, Ui, WorkspaceInfo } from '../../src/extension/ports';

export type Question =
  | { kind: 'pick'; title: string; labels: string[]; descriptions: (string | undefined)[] }
  | { kind: 'input'; title: string; value: string; request: InputRequest }
  | { kind: 'openFile'; title: string; filters: FileFilter[] }
  | { kind: 'openFolder'; title: string }
  | { kind: 'saveFile'; title: string; defaultPath: string }
  | { kind: 'info' | 'warn' | 'error'; message: string; actions: string[] }
  | { kind: 'confirm'; message: string; detail: string; action: string };

/** One scripted answer: what kind of question it answers (and its title, when given) and the answer. */
export type Answer =
  | { pick: string | undefined; title?: string }
  | { input: string | undefined; title?: string }
  | { openFile: string | undefined; title?: string }
  | { openFolder: string | undefined; title?: string }
  | { saveFile: string | undefined; title?: string }
  | { confirm: boolean }
  | { notify: string | undefined; kind?: 'info' | 'warn' | 'error' };

export interface ProgressRecord {
  title: string;
  cancellable: boolean;
  reports: { message?: string; increment?: number }[];
}

export class FakeUi implements Ui {
  readonly asked: Question[] = [];
  readonly progress: ProgressRecord[] = [];
  private readonly script: Answer[];
  /** Set to cancel the progress task from a test. */
  cancelProgress: (() => void) | null = null;

  constructor(script: Answer[] = []) {
    this.script = [...script];
  }

  get remaining(): number {
    return this.script.length;
  }

  /** Notifications (info/warn/error) are answered from the script only when its next answer is a `notify`. */
  private next<K extends string>(key: K, title: string): Answer | undefined {
    const answer = this.script[0];
    assert.ok(answer, `unexpected ${key} "${title}": the script has no answer left`);
    assert.ok(key in answer, `asked ${key} "${title}" but the next scripted answer is ${JSON.stringify(answer)}`);
    const expected = (answer as { title?: string }).title;
    if (expected !== undefined) assert.equal(title, expected, `title of the ${key}`);
    return this.script.shift();
  }

  async pick<T>(title: string, items: PickItem<T>[]): Promise<T | undefined> {
    this.asked.push({ kind: 'pick', title, labels: items.map((i) => i.label), descriptions: items.map((i) => i.description) });
    const answer = this.next('pick', title) as { pick: string | undefined };
    if (answer.pick === undefined) return undefined;
    const item = items.find((i) => i.label === answer.pick);
    assert.ok(item, `no item "${answer.pick}" in pick "${title}" (items: ${items.map((i) => i.label).join(' | ')})`);
    return item.value;
  }

  async input(request: InputRequest): Promise<string | undefined> {
    this.asked.push({ kind: 'input', title: request.title, value: request.value, request });
    const answer = this.next('input', request.title) as { input: string | undefined };
    if (answer.input !== undefined) assert.equal(request.validate(answer.input), undefined, `scripted input "${answer.input}" for ${request.title} fails validation`);
    return answer.input;
  }

  async openFile(title: string, filters: FileFilter[]): Promise<string | undefined> {
    this.asked.push({ kind: 'openFile', title, filters });
    return (this.next('openFile', title) as { openFile: string | undefined }).openFile;
  }

  async openFolder(title: string): Promise<string | undefined> {
    this.asked.push({ kind: 'openFolder', title });
    return (this.next('openFolder', title) as { openFolder: string | undefined }).openFolder;
  }

  async saveFile(title: string, defaultPath: string): Promise<string | undefined> {
    this.asked.push({ kind: 'saveFile', title, defaultPath });
    return (this.next('saveFile', title) as { saveFile: string | undefined }).saveFile;
  }

  private async notify(kind: 'info' | 'warn' | 'error', message: string, actions: string[]): Promise<string | undefined> {
    this.asked.push({ kind, message, actions });
    const answer = this.script[0];
    if (answer && 'notify' in answer && (answer.kind === undefined || answer.kind === kind)) {
      this.script.shift();
      return answer.notify;
    }
    return undefined;
  }

  info(message: string, ...actions: string[]) {
    return this.notify('info', message, actions);
  }

  warn(message: string, ...actions: string[]) {
    return this.notify('warn', message, actions);
  }

  error(message: string, ...actions: string[]) {
    return this.notify('error', message, actions);
  }

  async confirm(message: string, detail: string, action: string): Promise<boolean> {
    this.asked.push({ kind: 'confirm', message, detail, action });
    return (this.next('confirm', message) as { confirm: boolean }).confirm;
  }

  async withProgress<R>(title: string, cancellable: boolean, task: (progress: ProgressReporter, cancellation: Cancellation) => Promise<R>): Promise<R> {
    const record: ProgressRecord = { title, cancellable, reports: [] };
    this.progress.push(record);
    const listeners: (() => void)[] = [];
    let cancelled = false;
    this.cancelProgress = () => {
      cancelled = true;
      for (const l of listeners) l();
    };
    return task(
      { report: (update) => record.reports.push(update) },
      {
        get cancelled() {
          return cancelled;
        },
        onCancel: (listener) => listeners.push(listener),
      },
    );
  }

  titles(): string[] {
    return this.asked.flatMap((q) => ('title' in q ? [q.title] : []));
  }

  messages(kind: 'info' | 'warn' | 'error'): string[] {
    return this.asked.flatMap((q) => (q.kind === kind ? [q.message] : []));
  }
}

export class MemoryStore implements KeyValueStore {
  readonly values = new Map<string, unknown>();

  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}

export class MemoryLog implements Log {
  readonly lines: string[] = [];
  shown = 0;

  line(text: string): void {
    this.lines.push(text);
  }

  show(): void {
    this.shown++;
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** A workspace over real folders; findFiles answers a few glob shapes by walking them. */
export function folderWorkspace(folders: string[], trusted = true): WorkspaceInfo {
  return {
    folders: () => folders,
    isTrusted: () => trusted,
    findFiles: async (include, _exclude, maxResults) => {
      const { readdirSync } = await import('node:fs');
      const { join } = await import('node:path');
      // "**/{model.json,*.keras,…}": the names of the braces, "*" matching any run of characters.
      const names = /^\*\*\/\{([^{}]*)\}$/.exec(include)?.[1].split(',') ?? [];
      const byName = names.map((name) => new RegExp(`^${name.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`));
      const matches = (name: string) =>
        include === '**/model.json' ? name === 'model.json' : include.includes('png') ? /\.(png|jpe?g)$/i.test(name) : byName.some((pattern) => pattern.test(name));
      const found: string[] = [];
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          if (['node_modules', '.git', '.robustness'].includes(entry.name)) continue;
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (matches(entry.name) && found.length < maxResults) found.push(path);
        }
      };
      for (const folder of folders) walk(folder);
      return found;
    },
  };
}
