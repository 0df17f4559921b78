// The random set the bench hands bench/pytorch/protocol.py: written a chunk at a time, the engine's rows.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomSet } from '../../src/bench/pytorch';
import { unitBallSamples } from '../../src/engine/sampling';

const work = mkdtempSync(join(tmpdir(), 'bench-random-set-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('the file holds the engine\'s rows as raw float32, whether written in one chunk or several', () => {
  // 30 rows of 224·224·3 are more than the writer's 16 MB chunk: 27 rows, then 3.
  for (const [samples, dimension, seed] of [[50, 12, 3], [30, 224 * 224 * 3, 5]]) {
    const path = writeRandomSet(work, samples, dimension, seed);
    const bytes = readFileSync(path);
    const expected = unitBallSamples(samples, dimension, seed).directions;
    assert.equal(bytes.length, expected.byteLength);
    assert.ok(bytes.equals(new Uint8Array(expected.buffer)), `${samples}×${dimension}: the file differs from the engine's rows`);
    assert.equal(writeRandomSet(work, samples, dimension, seed), path, 'a written set is reused');
  }
  assert.deepEqual(readdirSync(work).filter((name) => name.endsWith('.partial')), []);
});
