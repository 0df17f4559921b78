/**
 * Finds files that ship beside the running bundle (dist/worker.js, dist/webview.js, …): next to
 * this code once bundled into dist/, or in <repo>/dist when running from source (tests, tsx).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function bundleFileCandidates(name: string, preferredDir?: string): string[] {
  const dirs = preferredDir === undefined ? [__dirname, join(__dirname, '..', '..', 'dist')] : [preferredDir];
  return dirs.map((dir) => join(dir, name));
}

export function locateBundleFile(name: string, preferredDir?: string): string | null {
  return bundleFileCandidates(name, preferredDir).find((path) => existsSync(path)) ?? null;
}

export interface ReportAssets {
  script: string;
  style: string;
}

/** The report panel's bundle, inlined into report.html; `missing` says why when it is not built. */
export function readReportAssets(preferredDir?: string): ReportAssets | { missing: string } {
  const script = locateBundleFile('webview.js', preferredDir);
  if (!script) {
    return { missing: `${bundleFileCandidates('webview.js', preferredDir)[0]} not found (build it with: node scripts/build.mjs webview)` };
  }
  // esbuild writes webview.css only when the page imports CSS.
  const style = locateBundleFile('webview.css', preferredDir);
  return { script: readFileSync(script, 'utf8'), style: style ? readFileSync(style, 'utf8') : '' };
}
