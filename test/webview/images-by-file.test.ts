import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageRecord } from '../../src/protocol/report';
import { ImagesByFile } from '../../src/report/images-by-file';

const record = (file: string, predicted: number): ImageRecord => ({ file, label: 0, predicted, correct: predicted === 0, adversarial: null, random: [] });

test('ImagesByFile appends new files and replaces a resumed record in place, in the array it was given', () => {
  const images = [record('a/1.png', 0), record('a/2.png', 0)];
  const index = new ImagesByFile(images);
  index.upsert(record('b/3.png', 1));
  index.upsert(record('a/1.png', 1));
  assert.deepEqual(images.map((r) => [r.file, r.predicted]), [['a/1.png', 1], ['a/2.png', 0], ['b/3.png', 1]]);
  assert.equal(index.get('b/3.png')?.predicted, 1);
  assert.equal(index.get('a/1.png')?.predicted, 1);
  assert.equal(index.get('missing.png'), undefined);
});
