import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CheckPlan } from '../../src/extension/check-flow';
import { RunSession, type LiveView, type StartCheck, type StatusView } from '../../src/extension/run-session';
import type { ModelInfo } from '../../src/protocol/messages';
import type { ImageRecord, Report, Summary } from '../../src/protocol/report';
import type { CheckOutcome, RunEvent } from '../../src/run/types';
import { FakeUi, MemoryLog } from './fakes';
import { tempFolder } from './fixtures';

const tmp = tempFolder('session');
after(() => tmp.remove());

const recorded: Report = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'reports', 'report.json'), 'utf8'));
const model: ModelInfo = { backend: 'wasm', forward: 'tfjs', inputShape: [28, 28, 3], dimension: 2352, classCount: 2, outputActivation: 'sigmoid', format: 'layers-model' };

function plan(out: string): CheckPlan {
  return {
    runId: 'run-1',
    runsDir: tmp.path,
    preset: 'quick',
    settingsPreset: 'quick',
    classes: ['7_Sneaker', '8_Bag'],
    options: { model: '/m/sneaker-bag/model.json', data: '/d/fashion', out, alphas: [1, 2, 5, 10], samples: 200, scales: 256, maxEps: 10, seed: 0, clip: false, backend: 'auto', limit: 4 },
  };
}

const summaryAfter = (n: number): Summary => ({ ...recorded.summary, images: n });

/** A run host that emits `events` one by one, then finishes (or waits for cancel when `untilCancel`). */
function scriptedHost(events: RunEvent[], finish: (cancelled: boolean) => CheckOutcome | Error, untilCancel = false) {
  const calls = { cancel: 0 };
  const start: StartCheck = (_options, onEvent) => {
    let cancel: () => void = () => undefined;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    const done = (async () => {
      for (const event of events) {
        await new Promise((r) => setImmediate(r));
        onEvent(event);
      }
      if (untilCancel) await cancelled;
      const result = finish(calls.cancel > 0);
      if (result instanceof Error) throw result;
      return result;
    })();
    return {
      cancel: () => {
        calls.cancel++;
        cancel();
      },
      done,
    };
  };
  return { start, calls };
}

class Recorder implements StatusView, LiveView {
  readonly status: string[] = [];
  readonly live: string[] = [];
  begun: Report | null = null;
  running(backend: string | null, done: number, total: number | null) {
    this.status.push(`running ${backend} ${done}/${total}`);
  }
  idle(backend: string | null) {
    this.status.push(`idle ${backend}`);
  }
  begin(report: Report) {
    this.begun = structuredClone(report);
    this.live.push(`begin ${report.images.length}`);
  }
  image(record: ImageRecord, _summary: Summary, done: number, total: number) {
    this.live.push(`image ${record.file} ${done}/${total}`);
  }
  end(report: Report) {
    this.live.push(`end ${report.status} ${report.images.length}`);
  }
}

function session(ui: FakeUi, start: StartCheck, recorder: Recorder, log = new MemoryLog()) {
  let refreshed = 0;
  const s = new RunSession({
    ui,
    log,
    status: recorder,
    startCheck: async () => start,
    liveView: () => recorder,
    runsChanged: () => refreshed++,
    toolVersion: '9.9.9',
    now: () => new Date('2025-05-06T07:08:09Z'),
  });
  return { s, refreshed: () => refreshed, log };
}

const images = recorded.images.slice(0, 4);

describe('a check driven from the extension host', () => {
  it('shows images done / total, the stage and an ETA; fills the panel; leaves the status bar idle on the backend', async () => {
    const out = join(tmp.path, 'complete');
    const events: RunEvent[] = [
      { type: 'started', outDir: out, total: 4, resumed: 0, model, workers: 2, firstStartedAt: '2026-01-01T00:00:00.000Z', earlierSeconds: 0 },
      { type: 'progress', done: 0, total: 4, stage: 'gradient', etaSeconds: null },
      { type: 'image', record: images[0], summary: summaryAfter(1), done: 1, total: 4 },
      { type: 'progress', done: 1, total: 4, stage: 'line-search', etaSeconds: 30 },
      { type: 'image', record: images[1], summary: summaryAfter(2), done: 2, total: 4 },
      { type: 'progress', done: 2, total: 4, stage: 'random', etaSeconds: 95 },
      { type: 'image', record: images[2], summary: summaryAfter(3), done: 3, total: 4 },
      { type: 'image', record: images[3], summary: summaryAfter(4), done: 4, total: 4 },
      { type: 'progress', done: 4, total: 4, stage: 'random', etaSeconds: 0 },
      { type: 'log', message: 'worker 1: hello' },
    ];
    const final: Report = { ...recorded, images, status: 'complete' };
    const host = scriptedHost(events, () => ({ report: final, outDir: out, status: 'complete' }));
    const ui = new FakeUi();
    const recorder = new Recorder();
    const { s, refreshed, log } = session(ui, host.start, recorder);
    const result = await s.run(plan(out));
    assert.equal(result.kind, 'finished');

    assert.equal(ui.progress.length, 1);
    const progress = ui.progress[0];
    assert.equal(progress.title, 'Robustness Lens: sneaker-bag on fashion · Quick look');
    assert.equal(progress.cancellable, true);
    const messages = progress.reports.map((r) => r.message);
    assert.deepEqual(messages, [
      'starting workers, loading the model…',
      '0 / 4 images',
      '0 / 4 images · gradient',
      '1 / 4 images · line search · about 30 s left',
      '2 / 4 images · random perturbations · about 1 min 35 s left',
      '4 / 4 images · random perturbations',
    ]);
    assert.equal(progress.reports.reduce((sum, r) => sum + (r.increment ?? 0), 0), 100);

    assert.deepEqual(recorder.status, ['running null 0/null', 'running wasm ×2 0/4', 'running wasm ×2 0/4', 'running wasm ×2 1/4', 'running wasm ×2 1/4', 'running wasm ×2 2/4', 'running wasm ×2 2/4', 'running wasm ×2 3/4', 'running wasm ×2 4/4', 'running wasm ×2 4/4', 'idle wasm ×2']);
    assert.deepEqual(recorder.live, ['begin 0', ...images.map((r, i) => `image ${r.file} ${i + 1}/4`), 'end complete 4']);
    assert.equal(recorder.begun?.status, 'running');
    assert.equal(recorder.begun?.config.backend, 'wasm');
    assert.deepEqual(recorder.begun?.config.classes, ['7_Sneaker', '8_Bag']);
    assert.equal(recorder.begun?.tool.version, '9.9.9');
    assert.equal(s.runningDir, null);
    assert.equal(refreshed(), 1);
    assert.match(log.text(), /worker 1: hello/);
    assert.deepEqual(ui.asked, []);
  });

  it('Cancel stops the run host and says how many finished images were kept', async () => {
    const out = join(tmp.path, 'cancelled');
    const events: RunEvent[] = [
      { type: 'started', outDir: out, total: 4, resumed: 0, model, workers: 1, firstStartedAt: '2026-01-01T00:00:00.000Z', earlierSeconds: 0 },
      { type: 'image', record: images[0], summary: summaryAfter(1), done: 1, total: 4 },
    ];
    const host = scriptedHost(events, (cancelled) => ({ report: { ...recorded, images: images.slice(0, 1), status: cancelled ? 'cancelled' : 'complete' }, outDir: out, status: cancelled ? 'cancelled' : 'complete' }), true);
    const ui = new FakeUi();
    const recorder = new Recorder();
    const { s } = session(ui, host.start, recorder);
    const running = s.run(plan(out));
    while (!recorder.live.some((l) => l.startsWith('image'))) await new Promise((r) => setImmediate(r));
    assert.equal(s.runningDir, out);
    assert.equal(s.liveReport(out)?.images.length, 1);
    ui.cancelProgress?.();
    const result = await running;
    assert.equal(host.calls.cancel, 1);
    assert.equal(result.kind === 'finished' && result.outcome.status, 'cancelled');
    assert.deepEqual(ui.messages('info'), [`Robustness Lens: run stopped; 1 finished image kept in ${out}. Resume it from the Runs view.`]);
    assert.equal(recorder.live.at(-1), 'end cancelled 1');
  });

  it('names ONNX Runtime beside the backend when it ran the forward passes', async () => {
    const out = join(tmp.path, 'onnx');
    const onOnnx: ModelInfo = { ...model, forward: 'onnxruntime' };
    const events: RunEvent[] = [
      { type: 'started', outDir: out, total: 1, resumed: 0, model: onOnnx, workers: 2, firstStartedAt: '2026-01-01T00:00:00.000Z', earlierSeconds: 0 },
      { type: 'image', record: images[0], summary: summaryAfter(1), done: 1, total: 1 },
    ];
    const host = scriptedHost(events, () => ({ report: { ...recorded, images: images.slice(0, 1), status: 'complete' }, outDir: out, status: 'complete' }));
    const recorder = new Recorder();
    const { s, log } = session(new FakeUi(), host.start, recorder);
    await s.run({ ...plan(out), options: { ...plan(out).options, forward: 'auto' } });
    assert.deepEqual(recorder.status.slice(1), ['running wasm ×2 + ONNX Runtime 0/1', 'running wasm ×2 + ONNX Runtime 1/1', 'idle wasm ×2 + ONNX Runtime']);
    assert.equal(recorder.begun?.config.forward, 'onnxruntime');
    assert.match(log.text(), /· backend auto · forward auto$/m);
    assert.match(log.text(), /; wasm ×2 \+ ONNX Runtime; 1 images/);
  });

  it('runs one check at a time', async () => {
    const out = join(tmp.path, 'busy');
    const host = scriptedHost([{ type: 'started', outDir: out, total: 1, resumed: 0, model, workers: 1, firstStartedAt: '2026-01-01T00:00:00.000Z', earlierSeconds: 0 }], () => ({ report: { ...recorded, images: [] }, outDir: out, status: 'cancelled' }), true);
    const ui = new FakeUi();
    const { s } = session(ui, host.start, new Recorder());
    const first = s.run(plan(out));
    assert.deepEqual(await s.run(plan(join(tmp.path, 'other'))), { kind: 'busy' });
    s.cancel();
    await first;
  });

  it('a run error rejects with its one-line reason and leaves the session free', async () => {
    const out = join(tmp.path, 'failed');
    const host = scriptedHost([], () => new Error('worker 1 exited with code 1 while loading the model: Unknown layer: Foo'));
    const recorder = new Recorder();
    const { s, refreshed } = session(new FakeUi(), host.start, recorder);
    await assert.rejects(s.run(plan(out)), /Unknown layer: Foo/);
    assert.equal(s.runningDir, null);
    assert.equal(recorder.status.at(-1), 'idle null');
    assert.equal(refreshed(), 1);
  });

  it('a resumed run shows the images finished before, read from images.jsonl, and dates the run from its first session', async () => {
    const out = join(tmp.path, 'resumed');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'images.jsonl'), `${images.slice(0, 2).map((r) => JSON.stringify(r)).join('\n')}\n{"file": "cut`);
    const events: RunEvent[] = [
      { type: 'started', outDir: out, total: 3, resumed: 2, model, workers: 1, firstStartedAt: '2026-01-01T00:00:00.000Z', earlierSeconds: 95 },
      { type: 'image', record: images[2], summary: summaryAfter(3), done: 3, total: 3 },
      { type: 'warning', message: 'skipped 7_Sneaker/bad.png: not a PNG' },
    ];
    const host = scriptedHost(events, () => ({ report: { ...recorded, images: images.slice(0, 3) }, outDir: out, status: 'complete' }));
    const ui = new FakeUi();
    const recorder = new Recorder();
    const { s } = session(ui, host.start, recorder);
    await s.run(plan(out));
    assert.deepEqual(recorder.begun?.images.map((r) => r.file), images.slice(0, 2).map((r) => r.file));
    assert.equal(recorder.begun?.firstStartedAt, '2026-01-01T00:00:00.000Z');
    assert.notEqual(recorder.begun?.startedAt, recorder.begun?.firstStartedAt);
    assert.match(ui.progress[0].reports[1].message ?? '', /^2 \/ 3 images \(resumed\)$/);
    assert.equal(ui.progress[0].reports[1].increment, 66);
    assert.deepEqual(ui.messages('warn'), ['Robustness Lens: run finished with 1 warning: skipped 7_Sneaker/bad.png: not a PNG']);
  });
});
