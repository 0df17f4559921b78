/**
 * The Theory view's simulations in a real worker process (dist/theory-worker.js): the panel's
 * `simulateTheory` answered with the engine's rows, a newer request (even a refused one) superseding
 * an older one still running, and bad parameters or a worker that cannot start reported in one line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultTheoryParameters, simulateTheory, type TheoryParameters } from '../../src/engine/two-balls';
import type { PanelEnv, ReportPanel as ReportPanelClass } from '../../src/extension/report-panel';
import { handleTheoryMessage, TheoryService } from '../../src/extension/theory-service';
import type { ExtensionToWebview } from '../../src/protocol/messages';
import type { Report } from '../../src/protocol/report';
import { FakeUi, MemoryLog, MemoryStore } from './fakes';
import { tempFolder } from './fixtures';
import { FakeWebviewPanel, createFakeVscode, installFakeVscode } from './vscode-fake';

const root = join(import.meta.dirname, '..', '..');
const workerScript = join(root, 'dist', 'theory-worker.js');
const small: TheoryParameters = { ...defaultTheoryParameters, model: 'two-half-balls', epsilon: 0, dimensions: [3, 30, 300], points: 300, perturbations: 20, seed: 5 };
/** Minutes of work: only ever stopped by a newer request. */
const endless: TheoryParameters = { ...small, dimensions: [100_000], points: 100_000, perturbations: 10_000 };

/** This test process's child processes (the services' workers). */
function childPids(): number[] {
  return spawnSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
}

before(() => {
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'theory-worker', 'worker'], { cwd: root, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
});

describe('theory service', () => {
  it("answers the panel's request with the engine's rows, computed in the worker process", async () => {
    const service = new TheoryService({ workerScript, log: () => undefined });
    const posted: ExtensionToWebview[] = [];
    await handleTheoryMessage(service, { type: 'simulateTheory', requestId: 7, parameters: small }, (m) => posted.push(m));
    assert.deepEqual(posted, [{ type: 'theory', requestId: 7, rows: simulateTheory(small) }]);
    const rows = (posted[0] as { rows: { randomFlipLowerBound: number | null }[] }).rows;
    assert.ok(rows.every((row) => row.randomFlipLowerBound !== null && row.randomFlipLowerBound > 0), 'Theorem 20 comes with touching half-balls');
    service.dispose();
  });

  it('a newer request stops an older one still running; only the newer is answered', async () => {
    const log: string[] = [];
    const service = new TheoryService({ workerScript, log: (line) => log.push(line) });
    const posted: ExtensionToWebview[] = [];
    const older = handleTheoryMessage(service, { type: 'simulateTheory', requestId: 1, parameters: endless }, (m) => posted.push(m));
    const newer = handleTheoryMessage(service, { type: 'simulateTheory', requestId: 2, parameters: small }, (m) => posted.push(m));
    await Promise.all([older, newer]);
    assert.deepEqual(posted.map((m) => (m as { requestId: number }).requestId), [2]);
    assert.deepEqual((posted[0] as { rows: unknown }).rows, simulateTheory(small));
    assert.deepEqual(log, [], 'stopping a superseded worker is not a failure');
    service.dispose();
  });

  it('says in one line what was wrong with the parameters, and keeps serving', async () => {
    const service = new TheoryService({ workerScript, log: () => undefined });
    const posted: ExtensionToWebview[] = [];
    const post = (m: ExtensionToWebview) => posted.push(m);
    await handleTheoryMessage(service, { type: 'simulateTheory', requestId: 3, parameters: { ...small, epsilon: 2 } }, post);
    await handleTheoryMessage(service, { type: 'simulateTheory', requestId: 4, parameters: { ...small, dimensions: 'many' } }, post);
    await handleTheoryMessage(service, { type: 'simulateTheory', requestId: 5, parameters: small }, post);
    assert.deepEqual(posted.slice(0, 2), [
      { type: 'theory', requestId: 3, rows: null, error: 'ε must be in [0, 1), got 2' },
      { type: 'theory', requestId: 4, rows: null, error: 'dimensions must be whole numbers from 1 to 100 000' },
    ]);
    assert.equal((posted[2] as { rows: unknown[] }).rows.length, 3);
    service.dispose();
  });

  it('a request with bad parameters stops an older one still running, and is refused without starting a process', async () => {
    const log: string[] = [];
    // Children already there (the earlier tests' workers, still exiting) are not this service's.
    const earlier = new Set(childPids());
    const started = () => childPids().filter((pid) => !earlier.has(pid));
    const service = new TheoryService({ workerScript, log: (line) => log.push(line) });
    const older = service.simulate(endless);
    const [busy, ...others] = started();
    assert.ok(busy !== undefined && others.length === 0, 'the older request runs in one process');
    await assert.rejects(service.simulate({ ...small, epsilon: 2 }), { message: 'ε must be in [0, 1), got 2' });
    assert.equal(await older, null, 'superseded: never answered');
    for (let wait = 0; wait < 500 && started().length > 0; wait++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(started(), [], 'the busy process was stopped and none started for the refused request');
    assert.deepEqual(log, []);
    service.dispose();
  });

  it('refuses bad parameters without a process even when none could start', async () => {
    const log: string[] = [];
    const service = new TheoryService({ workerScript: join(root, 'dist', 'no-such-worker.js'), log: (line) => log.push(line) });
    await assert.rejects(service.simulate({ ...small, points: 1 }), { message: 'points must be a whole number from 2 to 100 000, got 1' });
    assert.deepEqual(log, []);
    service.dispose();
  });

  it('the compute worker (dist/worker.js) answers the same request, with no model loaded', async () => {
    const service = new TheoryService({ workerScript: join(root, 'dist', 'worker.js'), log: () => undefined });
    assert.deepEqual(await service.simulate(small), simulateTheory(small));
    service.dispose();
  });

  it('a worker that cannot start fails the request in one line', async () => {
    const log: string[] = [];
    const service = new TheoryService({ workerScript: join(root, 'dist', 'no-such-worker.js'), log: (line) => log.push(line) });
    const posted: ExtensionToWebview[] = [];
    await handleTheoryMessage(service, { type: 'simulateTheory', requestId: 9, parameters: small }, (m) => posted.push(m));
    assert.equal(posted.length, 1);
    const answer = posted[0] as { rows: unknown; error: string };
    assert.equal(answer.rows, null);
    assert.match(answer.error, /^the simulation's worker process stopped: Error: Cannot find module/);
    assert.doesNotMatch(answer.error, /\n/);
    assert.equal(log.length, 1);
    service.dispose();
  });
});

describe('the report panel and the theory worker', () => {
  const tmp = tempFolder('panel-theory');
  const { vscode, record } = createFakeVscode({ folders: [tmp.path], trusted: true });
  const recorded: Report = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'reports', 'report.json'), 'utf8'));
  let restore: () => void = () => undefined;
  let ReportPanel: typeof ReportPanelClass;
  before(async () => {
    restore = installFakeVscode(vscode, join(tmp.path, 'vscode.js'));
    ({ ReportPanel } = await import('../../src/extension/report-panel'));
  });
  after(() => {
    ReportPanel.disposeAll();
    restore();
    tmp.remove();
  });

  it("posts the worker's answer to the page that asked", async () => {
    const env: PanelEnv = {
      extensionUri: vscode.Uri.file(root) as never,
      ui: new FakeUi(),
      log: new MemoryLog(),
      state: new MemoryStore(),
      nodePath: () => undefined,
      mayRunModels: () => true,
      baseFolder: () => tmp.path,
    };
    ReportPanel.show(env, { reportPath: join(tmp.path, 'report.json') }, recorded);
    const panel = record.panels.at(-1) as FakeWebviewPanel;
    panel.receive({ type: 'simulateTheory', requestId: 11, parameters: small });
    const answered = () => panel.posted.some((m) => (m as { type: string }).type === 'theory');
    for (let wait = 0; wait < 3000 && !answered(); wait++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(panel.posted, [{ type: 'theory', requestId: 11, rows: simulateTheory(small) }]);
  });
});
