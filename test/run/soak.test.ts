/**
 * The fault-injection soak, 10 runs (`npm run soak` does 100 or more): the real CLI on the demo,
 * killed (or one of its workers killed) at random moments, resumed; every report must equal the
 * uninterrupted one and images.jsonl must hold no torn or duplicate line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';

const root = join(__dirname, '..', '..');

it('10 killed and resumed runs all give the uninterrupted report', (t) => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const soak = spawnSync(process.execPath, [join(root, 'scripts', 'soak.mjs'), '--runs', '10', '--seed', '7'], { cwd: root, encoding: 'utf8' });
  const summary = JSON.parse(soak.stdout.trim().split('\n').pop() as string) as { runs: number; kills: number; equal: number; failures: unknown[] };
  t.diagnostic(soak.stdout.trim());
  assert.equal(soak.status, 0, `${soak.stderr}\n${JSON.stringify(summary.failures)}`);
  assert.equal(summary.runs, 10);
  assert.equal(summary.equal, 10);
  assert.ok(summary.kills >= 5, `only ${summary.kills} of 10 kills landed while the run went on`);
});
