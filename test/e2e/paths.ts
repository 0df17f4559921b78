import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** Screenshots, code-server's log and VS Code's logs: the test's artifacts. */
export const artifactsDir = join(repoRoot, 'test-results', 'e2e');
