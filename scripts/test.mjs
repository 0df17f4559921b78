// Runs the unit tests on Node's built-in runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [folder-or-file ...]   (default: every test/**/*.test.ts except test/e2e)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = roots.length
  ? roots.flatMap((r) => collect(r, []))
  : collect('test', []).filter((f) => !f.startsWith(join('test', 'e2e')));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
