/** Escaping for text placed into the report's HTML pages. */

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an HTML element or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEntities[c]);
}

/** Text safe inside a double-quoted attribute value; single quotes stay readable (a CSP is full of them). */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => htmlEntities[c]);
}

/**
 * JSON safe inside `<script type="application/json">`: every `<` becomes `\u003c`, so neither
 * `</script` nor `<!--` can end or change the script element; JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Drops the source-map comment of a bundle inlined into a page (the map is not shipped beside it). */
function withoutSourceMap(code: string): string {
  return code.replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*$/m, '');
}

/**
 * A JavaScript bundle safe inside an inline `<script>`: `</script` and `<!--` can only occur in
 * string, regex or comment text of a bundle, where `\x3C` denotes the same `<`.
 */
export function inlineScript(code: string): string {
  return withoutSourceMap(code).replace(/<(\/script|!--)/gi, '\\x3C$1');
}

/** A stylesheet safe inside an inline `<style>`: `</style` can only occur in CSS strings or comments. */
export function inlineStyle(css: string): string {
  return withoutSourceMap(css).replace(/<\/(style)/gi, '<\\/$1');
}
