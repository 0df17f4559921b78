import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressPrinter, duration } from '../../src/cli/progress';
import { summaryLine } from '../../src/cli/summaryLine';
import type { Report } from '../../src/protocol/report';
import type { RunEvent } from '../../src/run/types';

const norm = { mean: 0, std: 0, median: 0 };
function report(status: 'complete' | 'cancelled'): Report {
  return {
    status,
    summary: {
      images: 200, correct: 199, accuracy: 0.995,
      adversarial: { susceptible: 107, rate: 107 / 199, l2: norm, l1: norm, linf: norm },
      random: [1, 2, 5, 10].map((alpha, i) => ({ alpha, susceptible: [0, 0, 3, 40][i], rate: 0, flips: 0, trials: 0 })),
    },
  } as unknown as Report;
}

describe('summaryLine', () => {
  it('is the Table 1 row and where the report went', () => {
    assert.equal(
      summaryLine(report('complete'), 'out/report.json'),
      'accuracy 99.5% (199/200) · adversarial 53.8% (107/199) · random α=1 0/107 · α=2 0/107 · α=5 3/107 · α=10 40/107 → out/report.json',
    );
  });

  it('says when the run was cancelled, and n/a for an empty denominator', () => {
    const empty = report('cancelled');
    empty.summary = { ...empty.summary, images: 0, correct: 0, adversarial: { ...empty.summary.adversarial, susceptible: 0 }, random: [] };
    assert.equal(summaryLine(empty, 'r.json'), 'cancelled after 0 images · accuracy n/a (0/0) · adversarial n/a (0/0) → r.json');
  });
});

describe('ProgressPrinter', () => {
  const model = { backend: 'wasm' as const, forward: 'onnxruntime' as const, inputShape: [8, 8, 1], dimension: 64, classCount: 2, outputActivation: 'sigmoid', format: 'layers' };
  const events: RunEvent[] = [
    { type: 'started', outDir: '/o', total: 3, resumed: 1, model, workers: 2, firstStartedAt: '2026-01-01T00:00:00.000Z', earlierSeconds: 60 },
    { type: 'progress', done: 1, total: 3, stage: 'gradient', etaSeconds: 90 },
    { type: 'progress', done: 2, total: 3, stage: 'random', etaSeconds: 5 },
    { type: 'log', message: 'worker 1: hello' },
    { type: 'warning', message: 'skipped a/1.png: bad' },
    { type: 'progress', done: 3, total: 3, stage: 'random', etaSeconds: 0 },
  ];

  it('writes plain lines when stderr is not a terminal, throttled but always the last', () => {
    let text = '';
    let clock = 0;
    const printer = new ProgressPrinter({ write: (t: string) => (text += t) }, false, () => (clock += 1000));
    for (const event of events) printer.handle(event);
    assert.equal(
      text,
      'checking 3 images (1 done earlier) · input 8×8×1 (d=64) · 2 classes · wasm ×2 → /o\n' +
        '1/3 images · 33% · gradient · ETA 1m 30s\n' +
        'warning: skipped a/1.png: bad\n' +
        '3/3 images · 100%\n',
    );
  });

  it('rewrites one line in place on a terminal and clears it for other output', () => {
    let text = '';
    let clock = 0;
    const printer = new ProgressPrinter({ isTTY: true, columns: 80, write: (t: string) => (text += t) }, true, () => (clock += 1000));
    for (const event of events) printer.handle(event);
    printer.finish();
    assert.ok(text.includes('\r\x1b[K1/3 images · 33% · gradient · ETA 1m 30s\r\x1b[K2/3 images · 66% · random · ETA 5s\r\x1b[Kworker 1: hello\n'));
    assert.ok(text.endsWith('\r\x1b[K3/3 images · 100%\r\x1b[K'));
  });

  it('formats durations', () => {
    assert.deepEqual([duration(4.4), duration(61), duration(7322)], ['4s', '1m 01s', '2h 02m']);
  });
});
