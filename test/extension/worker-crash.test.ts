/**
 * A worker that dies under a check started from the extension host (RunSession on the real run host,
 * src/run/check.ts, with real worker processes forked from this process, as the extension host forks
 * them): the session finishes, every other image is kept, and the user is told what happened in a
 * notification, the output channel and the panel's final report.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckPlan } from '../../src/extension/check-flow';
import { RunSession, type LiveView, type StatusView } from '../../src/extension/run-session';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { startCheck } from '../../src/run/check';
import type { CheckOptions } from '../../src/run/types';
import { writeBrightnessModel } from '../cli/tinyModel';
import { writeDataset, writeFakeWorker } from '../run/helpers';
import { FakeUi, MemoryLog } from './fakes';
import { tempFolder } from './fixtures';

const root = join(__dirname, '..', '..');
const tmp = tempFolder('worker-crash');
after(() => tmp.remove());
const data = join(tmp.path, 'data');
const files = writeDataset(data, { dark: 4, light: 4 });
let model = '';

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  model = await writeBrightnessModel(join(tmp.path, 'model'), 8);
});

/** The panel and the status bar as the session drives them; calls `onImage` on each live image. */
class PanelRecorder implements StatusView, LiveView {
  live: ImageRecord[] = [];
  ended: Report | null = null;
  constructor(private readonly onImage: (done: number) => void = () => {}) {}
  running() {}
  idle() {}
  begin() {}
  image(record: ImageRecord, _summary: unknown, done: number) {
    this.live.push(record);
    this.onImage(done);
  }
  end(report: Report) {
    this.ended = report;
  }
}

function sessionFor(recorder: PanelRecorder) {
  const ui = new FakeUi();
  const log = new MemoryLog();
  const session = new RunSession({
    ui,
    log,
    status: recorder,
    startCheck: async () => startCheck,
    liveView: () => recorder,
    runsChanged: () => {},
    toolVersion: '9.9.9',
    now: () => new Date(),
  });
  return { session, ui, log };
}

let outs = 0;
function plan(overrides: Partial<CheckOptions>): CheckPlan {
  const out = join(tmp.path, `out${outs++}`);
  return {
    runId: `run-${outs}`,
    runsDir: tmp.path,
    preset: 'quick',
    settingsPreset: 'quick',
    classes: ['dark', 'light'],
    options: { model, data, out, alphas: [1, 2, 5, 10], samples: 20000, scales: 64, maxEps: 4, seed: 0, clip: false, backend: 'auto', workers: 2, details: 0, ...overrides },
  };
}

/** The pool's worker processes this process forked (dist/worker.js). */
function workerPids(): number[] {
  const children = spawnSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker.js');
    } catch {
      return false;
    }
  });
}

describe('a worker dying under a check run from the extension host', () => {
  it('SIGKILLed mid-run (as by the OOM killer): the run finishes with every image and says a new worker took over', async () => {
    let killed = 0;
    const recorder = new PanelRecorder(() => {
      if (killed) return;
      const [victim] = workerPids();
      assert.ok(victim, 'a worker is running');
      process.kill(victim, 'SIGKILL');
      killed = victim;
    });
    const { session, ui, log } = sessionFor(recorder);
    const result = await session.run(plan({}));
    assert.ok(killed > 0);
    assert.equal(result.kind, 'finished');
    assert.equal(result.kind === 'finished' && result.outcome.status, 'complete');
    assert.deepEqual(recorder.ended?.images.map((image) => image.file), files, 'the panel ends with every image');
    assert.deepEqual(recorder.ended?.config.failed, []);
    // The victim may be the worker still loading the model (each worker loads its own copy) or one analysing an image.
    assert.equal(ui.messages('warn').length, 1, ui.messages('warn').join('\n'));
    const [warning] = ui.messages('warn');
    assert.match(warning ?? '', /^Robustness Lens: run finished with 1 warning: worker \d was killed by SIGKILL (while analysing .+\.png; a new worker retries it|while loading the model; starting a new worker)$/);
    assert.match(log.text(), /warning: worker \d was killed by SIGKILL/);
    assert.equal(session.runningDir, null, 'the session is free for the next run');
  });

  it('an image that kills two workers is recorded as failed with the reason; the panel lists it and the run finishes', async () => {
    const workerDir = join(tmp.path, 'crashing-worker');
    mkdirSync(workerDir);
    const recorder = new PanelRecorder();
    const { session, ui } = sessionFor(recorder);
    const result = await session.run(plan({ workerScript: writeFakeWorker(workerDir, { crashOn: 'light/01.png' }), samples: 50 }));
    assert.equal(result.kind === 'finished' && result.outcome.status, 'complete');
    const reason = 'the worker analysing it exited with code 3 (2 times, each on a fresh worker): boom on light/01.png';
    assert.deepEqual(recorder.ended?.config.failed, [{ file: 'light/01.png', reason }]);
    assert.deepEqual(recorder.ended?.images.map((image) => image.file), files.filter((file) => file !== 'light/01.png'));
    assert.ok(ui.messages('warn').some((message) => message.includes('light/01.png')), ui.messages('warn').join('\n'));
  });
});
