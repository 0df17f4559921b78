/** The text of webview/theory-worker.ts bundled on its own, supplied by scripts/build.mjs. */
declare module 'theory-worker-source' {
  const source: string;
  export default source;
}
