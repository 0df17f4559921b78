import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviceFor, isUnexpected, oneLine, reportError } from '../../src/extension/errors';
import { SettingsError } from '../../src/extension/settings';
import { backendLabel, formatDuration, formatPercent, headlineText, progressMessage, statusText } from '../../src/extension/format';
import type { RunInfo } from '../../src/extension/run-storage';
import { runItemModel } from '../../src/extension/runs-view';
import { dateTimeText } from '../../src/report/format';

import { FakeUi, MemoryLog } from './fakes';

describe('errors: one notification with what to do, the detail in the output channel', () => {
  it('gives advice by what went wrong', () => {
    assert.match(adviceFor('dataset has 3 class folders but the model has 2 outputs').hint, /labels file/);
    assert.match(adviceFor('no PNG or JPEG images in /d').hint, /<class name>\/<image>/);
    assert.match(adviceFor('worker 1 exited with code 134 while analysing a.png: heap out of memory').hint, /fewer workers/);
    assert.match(adviceFor('worker 2 was killed by SIGSEGV while analysing a.png').hint, /Finished images are kept/);
    assert.equal(adviceFor('could not run worker 1 with /opt/node: spawn /opt/node ENOENT').setting, 'robustnessLens.nodePath');
    assert.equal(adviceFor('backend tensorflow-gpu failed to load: libcudart.so.11.0').setting, 'robustnessLens.backend');
    assert.match(adviceFor('Unknown layer: MyLayer in model.json').hint, /TF\.js model\.json/);
    assert.match(adviceFor('net.keras: layer "fancy" (class FancyNoise) cannot be built: TF.js has no FancyNoise layer').hint, /export the model to ONNX/);
    assert.match(adviceFor('something else').hint, /output channel/);
    assert.deepEqual(adviceFor('Setting robustnessLens.backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu (got "x")'), { hint: 'Fix the value in the settings.', setting: 'robustnessLens.backend' });
  });

  it('logs the whole error and shows one line; Show Output opens the channel, Open Settings the setting', async () => {
    const log = new MemoryLog();
    const opened: string[] = [];
    const ui = new FakeUi([{ notify: 'Open Settings', kind: 'error' }]);
    const error = Object.assign(new Error('could not run worker 1 with /opt/node: spawn /opt/node ENOENT\nmore'), { detail: 'stderr of the worker' });
    await reportError({ ui, log, openSetting: (k) => opened.push(k) }, 'the check failed', error);
    assert.deepEqual(ui.asked, [
      {
        kind: 'error',
        message: "Robustness Lens: the check failed: could not run worker 1 with /opt/node: spawn /opt/node ENOENT. Point robustnessLens.nodePath at a Node.js 20+ executable, or clear it to use the editor's own.",
        actions: ['Show Output', 'Open Settings'],
      },
    ]);
    assert.deepEqual(opened, ['robustnessLens.nodePath']);
    assert.match(log.text(), /ERROR the check failed: could not run worker 1/);
    assert.match(log.text(), /stderr of the worker/);
    const shown = new FakeUi([{ notify: 'Show Output' }]);
    await reportError({ ui: shown, log, openSetting: () => undefined }, 'x', 'plain text.');
    assert.equal(log.shown, 1);
    assert.equal(oneLine(new Error('')), 'unknown error');
  });
});

describe('errors in the output channel', () => {
  it("logs a user's mistake as one line without a stack, an unexpected error with its stack", async () => {
    const mismatch = new Error('dataset has 3 class folders but the model has 2 outputs');
    const bad = new SettingsError('Setting robustnessLens.samples must be a whole number of at least 1 (got -3)');
    const bug = new TypeError("Cannot read properties of undefined (reading 'length')");
    assert.deepEqual([mismatch, bad, bug, 'plain text'].map(isUnexpected), [false, false, true, false]);

    const log = new MemoryLog();
    await reportError({ ui: new FakeUi(), log, openSetting: () => undefined }, 'the check could not start', mismatch);
    assert.deepEqual(log.lines, ['ERROR the check could not start: dataset has 3 class folders but the model has 2 outputs']);
    await reportError({ ui: new FakeUi(), log, openSetting: () => undefined }, 'the check could not start', bad);
    assert.equal(log.lines.length, 2);
    assert.doesNotMatch(log.text(), /^\s+at /m);

    await reportError({ ui: new FakeUi(), log, openSetting: () => undefined }, 'the check failed', bug);
    assert.equal(log.lines[2], "ERROR the check failed: Cannot read properties of undefined (reading 'length')");
    assert.equal(log.lines[3], bug.stack);
    assert.match(log.lines[3], /^TypeError: Cannot read properties.*\n\s+at /);
  });
});

describe('short texts', () => {
  it('formats durations, rates and progress', () => {
    assert.deepEqual([formatDuration(4.4), formatDuration(200), formatDuration(3725)], ['4 s', '3 min 20 s', '1 h 02 min']);
    assert.deepEqual([formatPercent(0), formatPercent(0.0371), formatPercent(0.5377), formatPercent(0.995), formatPercent(1), formatPercent(0.0004)], ['0 %', '3.7 %', '53.8 %', '99.5 %', '100 %', '0.04 %']);
    assert.equal(progressMessage(12, 50, 'line-search', 200), '12 / 50 images · line search · about 3 min 20 s left');
    assert.equal(progressMessage(50, 50, 'random', 0), '50 / 50 images · random perturbations');
  });

  it('names backends for the status bar', () => {
    assert.deepEqual(
      [backendLabel('wasm', 2), backendLabel('tensorflow-gpu', 1), backendLabel('tensorflow', 1), backendLabel('tensorflow', 4), backendLabel('cpu', 1)],
      ['wasm ×2', 'GPU', 'CPU', 'CPU ×4', 'js-cpu ×1'],
    );
    assert.deepEqual([backendLabel('wasm', 2, 'onnxruntime'), backendLabel('cpu', 1, 'onnxruntime'), backendLabel('wasm', 2, 'tfjs')], ['wasm ×2 + ONNX Runtime', 'js-cpu ×1 + ONNX Runtime', 'wasm ×2']);
    assert.equal(statusText(true, 'wasm ×2 + ONNX Runtime', 3, 10), '$(sync~spin) Robustness: 3/10 · wasm ×2 + ONNX Runtime');
    assert.equal(statusText(false, 'wasm ×2', 0, null), '$(beaker) Robustness: wasm ×2');
    assert.equal(statusText(true, null, 0, null), '$(sync~spin) Robustness: starting');
    assert.equal(statusText(true, 'GPU', 3, 10), '$(sync~spin) Robustness: 3/10 · GPU');
  });

  it('shows a run in the Runs view with its headline numbers and a context value the menus match', () => {
    const run: RunInfo = {
      id: '2025-01-02_03-04-05_cnn',
      dir: '/ws/.robustness/2025-01-02_03-04-05_cnn',
      status: 'complete',
      startedAt: new Date(2025, 0, 2, 3, 4, 5),
      done: 200,
      settings: { model: '/ws/models/cnn/model.json', data: '/ws/data/test', alphas: [1, 2, 5, 10], samples: 2000, scales: 256, maxEps: 10, seed: 0, clip: false },
      headline: { images: 200, correct: 199, accuracy: 0.995, adversarialSusceptible: 107, adversarialRate: 0.5377, random: [{ alpha: 1, rate: 0, susceptible: 0 }, { alpha: 10, rate: 0.0374, susceptible: 4 }] },
      engine: { backend: 'wasm', forward: 'onnxruntime' },
      hasHtml: true,
    };
    assert.equal(headlineText(run.headline!), 'acc 99.5 % · adv 53.8 % · rand α10 3.7 %');
    const item = runItemModel(run, null, new Date(2025, 0, 2, 18, 0));
    assert.equal(item.label, 'cnn on test');
    assert.equal(runItemModel({ ...run, preset: 'quick' }, null).label, 'cnn on test · Quick look');
    assert.equal(item.description, '03:04 · acc 99.5 % · adv 53.8 % · rand α10 3.7 %');
    assert.equal(runItemModel(run, null, new Date(2025, 0, 3, 1, 0)).description, '2025-01-02 · acc 99.5 % · adv 53.8 % · rand α10 3.7 %');
    assert.match(item.tooltip, /Started 2025-01-02 03:04/);
    assert.ok(item.tooltip.includes(`Started ${dateTimeText(run.startedAt)}`), 'the date as the panel and the report write it');
    assert.equal(item.contextValue, 'run.complete.html');
    assert.equal(item.icon, 'pass');
    // Zero flips as the panel writes them: the count with its one-sided Clopper–Pearson bound, never a bare 0.
    assert.match(item.tooltip, /^Random susceptibility: α 1: 0 of 107 \(< 2\.8 %\) · α 10: 4 of 107 \(3\.7 %\)$/m);
    assert.match(item.tooltip, /^200 images · accuracy 99\.5 % · adversarial susceptibility 107 of 199 \(53\.8 %\)$/m);
    assert.doesNotMatch(item.tooltip, /: 0 %/);
    const robust = { ...run.headline!, adversarialSusceptible: 0, adversarialRate: 0, random: [{ alpha: 10, rate: 0, susceptible: 0 }] };
    assert.equal(headlineText(robust), 'acc 99.5 % · adv < 1.5 % · rand α10 –');
    assert.equal(headlineText({ ...run.headline!, random: [{ alpha: 10, rate: 0, susceptible: 0 }] }), 'acc 99.5 % · adv 53.8 % · rand α10 < 2.8 %');
    assert.match(runItemModel({ ...run, headline: robust }, null).tooltip, /^Random susceptibility: α 10: none of 0$/m);
    assert.match(item.tooltip, /^Ran on wasm · forward passes on ONNX Runtime$/m);
    assert.match(runItemModel({ ...run, engine: { backend: 'tensorflow', forward: 'tfjs' } }, null).tooltip, /^Ran on tensorflow$/m);
    assert.doesNotMatch(runItemModel({ ...run, engine: null }, null).tooltip, /Ran on/);
    const stopped = runItemModel({ ...run, status: 'cancelled', hasHtml: false, done: 12 }, null, new Date(2025, 0, 2, 18, 0));
    assert.equal(stopped.contextValue, 'run.cancelled');
    assert.equal(stopped.description, '03:04 · cancelled, 12 images done · acc 99.5 % · adv 53.8 % · rand α10 3.7 %');
    assert.equal(runItemModel({ ...run, status: 'incomplete', headline: null, done: 1 }, null, new Date(2025, 0, 2)).description, '03:04 · unfinished, 1 image done');
    assert.equal(runItemModel(run, run.dir).contextValue, 'run.running.html');
    assert.equal(runItemModel({ ...run, settings: null }, null).label, run.id);
  });
});
