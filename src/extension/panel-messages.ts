/**
 * What the report panel's extension side does with each message from its page
 * (WebviewToExtension): send the report, draw a detail, save an export, open an image, simulate
 * the Theory view's model.
 */
import { basename, join } from 'node:path';
import { dispatchMessage, type MessageHandlers } from '../protocol/handlers';
import type { ExportFormat, ExtensionToWebview, ImageDetail, WebviewToExtension } from '../protocol/messages';
import { webviewMessage } from '../protocol/webview-guard';
import { datasetImagePath } from './detail-service';
import { oneLine } from './errors';
import type { FileFilter, Ui } from './ports';

export interface PanelContext {
  ui: Ui;
  post(message: ExtensionToWebview): void;
  /** The page is listening: send it the whole report. */
  sendReport(): void;
  detail(file: string): Promise<ImageDetail>;
  /** Absolute dataset folder of the report, null when unknown. */
  dataDir(): Promise<string | null>;
  /** Whether `file` is one of the report's images: the page may only name those. */
  hasImage(file: string): boolean;
  /** Where the save dialog starts (the run folder, else the workspace). */
  saveFolder(): string;
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  openFile(path: string): Promise<void>;
  /** Run the Theory view's simulation and answer `theory` (src/extension/theory-service.ts). */
  simulateTheory(message: Extract<WebviewToExtension, { type: 'simulateTheory' }>): Promise<void>;
  log(line: string): void;
}

const exportFilters: Record<ExportFormat, FileFilter> = {
  csv: { name: 'CSV', extensions: ['csv'] },
  json: { name: 'JSON', extensions: ['json'] },
  png: { name: 'PNG image', extensions: ['png'] },
  html: { name: 'HTML page', extensions: ['html'] },
};

const pngDataUrl = /^data:image\/png;base64,([A-Za-z0-9+/=\s]+)$/;

/** The bytes of an export: a PNG data URL decoded, text as UTF-8. */
export function exportBytes(format: ExportFormat, content: string): Uint8Array {
  if (format !== 'png') return Buffer.from(content, 'utf8');
  const match = pngDataUrl.exec(content);
  if (!match) throw new Error('the chart did not arrive as a PNG data URL');
  return Buffer.from(match[1], 'base64');
}

/** A file name without folders, with the format's extension. */
export function safeExportName(format: ExportFormat, suggested: string): string {
  // Leading dots go too: no '..' and no hidden file.
  const name = basename(suggested.replace(/\\/g, '/')).replace(/[<>:"|?*\u0000-\u001f]/g, '_').trim().replace(/^\.+/, '') || `robustness.${format}`;
  return name.toLowerCase().endsWith(`.${format}`) ? name : `${name}.${format}`;
}

/** What saving a page's export needs: the report panel and the compare panel both give it. */
export type ExportContext = Pick<PanelContext, 'ui' | 'post' | 'saveFolder' | 'writeFile' | 'log'>;

/** Asks where to save a page's export (CSV, JSON, a chart's PNG, the page), writes it and answers `exported`. */
export async function saveExport(ctx: ExportContext, { format, suggestedName, content }: Extract<WebviewToExtension, { type: 'export' }>): Promise<void> {
  try {
    const bytes = exportBytes(format, content);
    const target = await ctx.ui.saveFile(`Robustness Lens: export ${format.toUpperCase()}`, join(ctx.saveFolder(), safeExportName(format, suggestedName)), [exportFilters[format]]);
    if (!target) {
      ctx.post({ type: 'exported', format, path: null });
      return;
    }
    await ctx.writeFile(target, bytes);
    ctx.log(`Exported ${format} to ${target}`);
    ctx.post({ type: 'exported', format, path: target });
  } catch (error) {
    ctx.post({ type: 'exported', format, path: null, error: oneLine(error) });
  }
}

/** What the report panel does with each message of its page, checked first by the shared guard (webviewMessage). */
export async function handlePanelMessage(ctx: PanelContext, message: unknown): Promise<void> {
  const received = webviewMessage(message);
  if (received) await dispatchMessage(panelHandlers(ctx), received);
}

function panelHandlers(ctx: PanelContext): MessageHandlers<WebviewToExtension, Promise<void> | void> {
  return {
    ready: () => ctx.sendReport(),
    requestDetail: async ({ file }) => {
      try {
        ctx.post({ type: 'detail', file, detail: await ctx.detail(file) });
      } catch (error) {
        ctx.log(`detail of ${file} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        ctx.post({ type: 'detail', file, detail: null, error: oneLine(error) });
      }
    },
    export: (message) => saveExport(ctx, message),
    openImage: async ({ file }) => {
      try {
        if (!ctx.hasImage(file)) throw new Error('it is not an image of this report');
        const dataDir = await ctx.dataDir();
        if (!dataDir) throw new Error('the report does not say where its dataset is');
        await ctx.openFile(await datasetImagePath(dataDir, file));
      } catch (error) {
        void ctx.ui.error(`Robustness Lens: cannot open ${file}: ${oneLine(error)}`);
      }
    },
    simulateTheory: (message) => ctx.simulateTheory(message),
  };
}
