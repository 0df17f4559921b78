/**
 * The one check of what a page posts to the extension (Webview → Extension in messages.ts): a
 * declared schema per message type, one rule per field, so each panel receives only well-formed
 * messages and a message added to the union fails to compile here until its fields have rules.
 */
import type { ExportFormat, WebviewToExtension } from './messages';

type FieldRule = (value: unknown) => boolean;
type Schema<M> = { [F in Exclude<keyof M, 'type'>]-?: FieldRule };
type Schemas = { [K in WebviewToExtension['type']]: Schema<Extract<WebviewToExtension, { type: K }>> };

const exportFormats: Record<ExportFormat, true> = { csv: true, json: true, png: true, html: true };

const isString: FieldRule = (value) => typeof value === 'string';
const isRequestId: FieldRule = (value) => Number.isSafeInteger(value);
const isExportFormat: FieldRule = (value) => typeof value === 'string' && Object.hasOwn(exportFormats, value);
/** The simulation checks its parameters' values itself (validateTheoryParameters), with a message for the page. */
const isObject: FieldRule = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

export const webviewMessageSchemas: Schemas = {
  ready: {},
  requestDetail: { file: isString },
  export: { format: isExportFormat, suggestedName: isString, content: isString },
  openImage: { file: isString },
  simulateTheory: { requestId: isRequestId, parameters: isObject },
};

/** `value` as a Webview → Extension message when it is one (a known type, every field by its rule), else null. */
export function webviewMessage(value: unknown): WebviewToExtension | null {
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(webviewMessageSchemas, type)) return null;
  const schema = webviewMessageSchemas[type as WebviewToExtension['type']] as Record<string, FieldRule>;
  const fields = value as Record<string, unknown>;
  return Object.entries(schema).every(([field, rule]) => rule(fields[field])) ? (value as WebviewToExtension) : null;
}
