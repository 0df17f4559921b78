import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * Packages the repository as this platform's .vsix with scripts/package.mjs, as `npm run package`
 * does (the bundles in dist/ must be built first: `npm run test:e2e` builds them).
 */
export function packageExtension(outFile: string): void {
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: run `npm run build` first (npm run test:e2e does)');
  }
  const script = join(repoRoot, 'scripts', 'package.mjs');
  const result = spawnSync(process.execPath, [script, '--out', outFile], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`scripts/package.mjs failed (${result.status}): ${(result.stderr || result.stdout).trim()}`);
}
