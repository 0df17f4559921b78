/**
 * Where the page runs: inside a VS Code webview (messages to and from the extension) or as the
 * standalone report file (the report and some detail views embedded in the page itself).
 */
import { dispatchMessage, type MessageHandlers } from '../src/protocol/handlers';
import type { ExportFormat, ExtensionToWebview, ImageDetail, WebviewToExtension } from '../src/protocol/messages';
import type { ImageRecord, Report } from '../src/protocol/report';
import type { TheoryParameters, TheoryRow } from '../src/engine/two-balls';
import { detailDataId, reportDataId, type ReportAssets } from '../src/report/standalone';
import { TheoryWebWorker } from './theory-web-worker';

export type DetailAnswer = { detail: ImageDetail } | { unavailable: string };
/** A Theory simulation's outcome; `superseded` when a newer request replaced it before it finished. */
export type TheoryAnswer = { rows: TheoryRow[] } | { error: string } | { superseded: true };

/** What the extension sends for the page to show; the host settles the answers to its own requests (detail, exported, theory). */
export type PageMessage = Extract<ExtensionToWebview, { type: 'report' | 'image' | 'compare' }>;

export interface Host {
  /** Starts listening; the standalone host delivers its embedded report at once. */
  start(onMessage: (message: PageMessage) => void): void;
  getState(): unknown;
  setState(state: unknown): void;
  requestDetail(file: string): Promise<DetailAnswer>;
  /** Simulates the paper's models off the page's thread: in the extension's worker process, or a Web Worker standalone. */
  simulateTheory(parameters: TheoryParameters): Promise<TheoryAnswer>;
  /** Saves an export; resolves with a sentence saying where it went. */
  save(format: ExportFormat, suggestedName: string, content: string): Promise<string>;
  /** The page's own bundle and stylesheet, to write a standalone report. */
  assets(): Promise<ReportAssets>;
  /** Details the standalone report can show without asking anyone. */
  embeddedDetails(): ImageDetail[];
  openImage: ((file: string) => void) | null;
}

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
  getState(): unknown;
  setState(state: unknown): void;
}

const mimeTypes: Record<ExportFormat, string> = { csv: 'text/csv', json: 'application/json', png: 'image/png', html: 'text/html' };

/** The src/href of the bundle's own <script> and <link>, captured while the script runs. */
const ownScript = document.currentScript as HTMLScriptElement | null;

export function createHost(): Host {
  const acquire = (globalThis as { acquireVsCodeApi?: () => VsCodeApi }).acquireVsCodeApi;
  return acquire ? vsCodeHost(acquire()) : standaloneHost();
}

function vsCodeHost(api: VsCodeApi): Host {
  const detailWaiters = new Map<string, ((answer: DetailAnswer) => void)[]>();
  const exportWaiters = new Map<ExportFormat, { resolve: (text: string) => void; reject: (error: Error) => void }[]>();
  let theoryWaiter: { requestId: number; resolve: (answer: TheoryAnswer) => void } | null = null;
  let theoryRequests = 0;

  function settleTheory(message: Extract<ExtensionToWebview, { type: 'theory' }>): void {
    if (!theoryWaiter || theoryWaiter.requestId !== message.requestId) return;
    const { resolve } = theoryWaiter;
    theoryWaiter = null;
    resolve(message.rows ? { rows: message.rows } : { error: message.error ?? 'the simulation failed' });
  }

  function settleDetail(message: Extract<ExtensionToWebview, { type: 'detail' }>): void {
    const waiters = detailWaiters.get(message.file) ?? [];
    detailWaiters.delete(message.file);
    const answer: DetailAnswer = message.detail ? { detail: message.detail } : { unavailable: message.error ?? 'The detail view could not be computed.' };
    for (const resolve of waiters) resolve(answer);
  }

  function settleExport(message: Extract<ExtensionToWebview, { type: 'exported' }>): void {
    const waiter = exportWaiters.get(message.format)?.shift();
    if (!waiter) return;
    if (message.error) waiter.reject(new Error(message.error));
    else waiter.resolve(message.path ? `Saved to ${message.path}` : 'Export cancelled.');
  }

  async function text(url: string): Promise<string> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`could not read ${url}: HTTP ${response.status}`);
    return response.text();
  }

  return {
    start(onMessage) {
      const handlers: MessageHandlers<ExtensionToWebview> = {
        detail: settleDetail,
        exported: settleExport,
        theory: settleTheory,
        report: onMessage,
        image: onMessage,
        compare: onMessage,
      };
      window.addEventListener('message', (event: MessageEvent<ExtensionToWebview>) => {
        const message = event.data;
        // Only the extension posts to its webview; anything without a known type is ignored.
        if (!message || typeof message !== 'object' || typeof message.type !== 'string' || !Object.hasOwn(handlers, message.type)) return;
        dispatchMessage(handlers, message);
      });
      api.postMessage({ type: 'ready' });
    },
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
    requestDetail(file) {
      return new Promise((resolve) => {
        const waiters = detailWaiters.get(file);
        if (waiters) waiters.push(resolve);
        else {
          detailWaiters.set(file, [resolve]);
          api.postMessage({ type: 'requestDetail', file });
        }
      });
    },
    simulateTheory(parameters) {
      // The extension never answers a superseded request.
      theoryWaiter?.resolve({ superseded: true });
      const requestId = ++theoryRequests;
      return new Promise((resolve) => {
        theoryWaiter = { requestId, resolve };
        api.postMessage({ type: 'simulateTheory', requestId, parameters });
      });
    },
    save(format, suggestedName, content) {
      return new Promise((resolve, reject) => {
        const queue = exportWaiters.get(format) ?? [];
        queue.push({ resolve, reject });
        exportWaiters.set(format, queue);
        api.postMessage({ type: 'export', format, suggestedName, content });
      });
    },
    async assets() {
      const style = document.querySelector<HTMLLinkElement>('link[rel="stylesheet"]');
      if (!ownScript?.src || !style?.href) throw new Error('the page has no bundle URLs to read');
      const [script, css] = await Promise.all([text(ownScript.src), text(style.href)]);
      return { script, style: css };
    },
    embeddedDetails: () => [],
    openImage: (file) => api.postMessage({ type: 'openImage', file }),
  };
}

function embeddedJson<T>(id: string): T | null {
  const element = document.getElementById(id);
  if (!element?.textContent) return null;
  return JSON.parse(element.textContent) as T;
}

function dataUrlBytes(dataUrl: string): Uint8Array<ArrayBuffer> {
  const binary = atob(dataUrl.slice(dataUrl.indexOf(',') + 1));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Offers `content` as a download through a Blob URL (the only kind of link the page's CSP allows). */
function download(format: ExportFormat, name: string, content: string): void {
  const body = format === 'png' ? dataUrlBytes(content) : content;
  const url = URL.createObjectURL(new Blob([body], { type: mimeTypes[format] }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function standaloneHost(): Host {
  const details = embeddedJson<ImageDetail[]>(detailDataId) ?? [];
  const byFile = new Map(details.map((d) => [d.file, d]));
  const historyKey = 'robustnessLensView';
  let report: Report | null = null;
  const theory = new TheoryWebWorker();
  return {
    start(onMessage) {
      report = embeddedJson<Report>(reportDataId);
      if (!report) throw new Error('This page holds no report data (no #report-data element).');
      onMessage({ type: 'report', report });
    },
    getState: () => (history.state as Record<string, unknown> | null)?.[historyKey],
    setState(state) {
      try {
        history.replaceState({ ...(history.state as object | null), [historyKey]: state }, '');
      } catch {
        // Some browsers refuse history state on file:// pages; the view then starts fresh on reload.
      }
    },
    async requestDetail(file) {
      const detail = byFile.get(file);
      if (detail) return { detail };
      return { unavailable: standaloneDetailNote(details.map((d) => d.file), report?.images ?? []) };
    },
    simulateTheory: (parameters) => theory.simulate(parameters),
    async save(format, suggestedName, content) {
      download(format, suggestedName, content);
      return `Downloaded ${suggestedName}`;
    },
    async assets() {
      const script = document.querySelector<HTMLScriptElement>('script[nonce]:not([type])');
      const style = document.querySelector<HTMLStyleElement>('style[nonce]');
      if (!script?.textContent || !style?.textContent) throw new Error('the page has no inline bundle to copy');
      return { script: script.textContent, style: style.textContent };
    },
    embeddedDetails: () => details,
    openImage: null,
  };
}

/** Says plainly which images the standalone report carries pictures for. */
function standaloneDetailNote(embeddedFiles: string[], images: ImageRecord[]): string {
  const count = embeddedFiles.length;
  const openInVsCode = 'open the report in VS Code (Robustness Lens) to draw the others';
  if (count === 0) return 'This standalone report embeds no detail views; open the report in VS Code (Robustness Lens) to draw them.';
  const firstSusceptible = images.filter((r) => r.adversarial !== null).slice(0, count).map((r) => r.file);
  const isFirstSusceptible = firstSusceptible.length === count && firstSusceptible.every((file, i) => file === embeddedFiles[i]);
  const plural = count === 1 ? '' : 's';
  return isFirstSusceptible
    ? `This standalone report embeds details for the first ${count} susceptible image${plural} only; ${openInVsCode}.`
    : `This standalone report embeds details for ${count} selected image${plural} only; ${openInVsCode}.`;
}
