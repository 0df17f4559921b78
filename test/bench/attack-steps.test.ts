import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatAttackSteps, measureAttackSteps } from '../../src/bench/attack-steps';
import { BenchUsageError, parseBenchArgs } from '../../src/bench/options';

const root = join(__dirname, '..', '..');

test('the bench counts each attack’s gradient steps on the demo model', async () => {
  const target = { name: 'demo', model: join(root, 'media', 'demo', 'model', 'model.json'), data: join(root, 'media', 'demo', 'data'), backend: 'wasm', forward: 'tfjs' } as const;
  const section = await measureAttackSteps(target, ['fgm-line', 'ddn', 'fmn'], { images: 2, scales: 64, maxEps: 10, steps: 5 });
  assert.deepEqual(section.results.map((r) => r.attack), ['fgm-line', 'ddn', 'fmn']);
  const [fgm, ddn, fmn] = section.results;
  for (const r of section.results) assert.equal(r.images, 2);
  assert.equal(fgm.gradients, 2, 'fgm-line: one gradient an image');
  assert.equal(ddn.gradients, 2 * 5, 'ddn: one loss gradient a step');
  // A two-class model: margins at x, one margin gradient a step and one for the last iterate.
  assert.equal(fmn.gradients, 2 * (1 + 5 + 1));
  assert.ok(section.results.every((r) => r.gradientsPerSecond > 0 && r.forwardImages > 0));
  assert.match(formatAttackSteps([section]), /^    ddn +[\d.]+ gradients\/s +[\d.]+ images\/s +10 gradients/m);
});

test('--attacks and --attack-steps', () => {
  const parsed = (...argv: string[]) => {
    const options = parseBenchArgs(argv);
    assert.notEqual(options, 'help');
    return options === 'help' ? (undefined as never) : options;
  };
  assert.deepEqual(parsed().attacks, ['fgm-line', 'deepfool', 'ddn', 'fmn']);
  assert.equal(parsed().attackSteps, 100);
  assert.deepEqual(parsed('--attacks', 'none').attacks, []);
  assert.deepEqual(parsed('--attacks', 'ddn,best', '--attack-steps', '20').attacks, ['ddn', 'best']);
  assert.throws(() => parsed('--attacks', 'pgd'), (e: unknown) => e instanceof BenchUsageError && /unknown attack pgd/.test((e as Error).message));
});
