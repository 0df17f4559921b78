// The IDX reader train-demo uses, on IDX files written here (raw and gzip-compressed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, readIdxFile, readIdxSplit } from '../../scripts/idx';

function idx(shape: number[], values: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((size, axis) => header.writeUInt32BE(size, 4 + 4 * axis));
  return Buffer.concat([header, Buffer.from(values)]);
}

test('parses shape and values of an unsigned-byte IDX array', () => {
  const parsed = parseIdx(idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  assert.deepEqual(parsed.shape, [2, 2, 3]);
  assert.deepEqual([...parsed.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('rejects a bad magic number, another element type, and a wrong value count', () => {
  const good = idx([3], [1, 2, 3]);
  const badMagic = Uint8Array.from(good);
  badMagic[0] = 1;
  assert.throws(() => parseIdx(badMagic, 'x'), /x: not an IDX file/);
  const floats = Uint8Array.from(good);
  floats[2] = 0x0d;
  assert.throws(() => parseIdx(floats, 'x'), /element type 0xd is not unsigned byte/);
  assert.throws(() => parseIdx(idx([4], [1, 2, 3]), 'x'), /expected 4 values for shape \[4\], found 3/);
});

test('reads a split from gzip-compressed or plain files and checks images against labels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  try {
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([2, 2, 2], [0, 255, 1, 2, 3, 4, 5, 6])));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [7, 8]));
    const split = readIdxSplit(dir, 'train');
    assert.deepEqual({ count: split.count, height: split.height, width: split.width }, { count: 2, height: 2, width: 2 });
    assert.deepEqual([...split.labels], [7, 8]);
    assert.equal(split.images[1], 255);
    assert.deepEqual(readIdxFile(join(dir, 'train-labels-idx1-ubyte')).shape, [2]);

    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([2, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0]));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([3], [1, 2, 3]));
    assert.throws(() => readIdxSplit(dir, 't10k'), /t10k: 2 images but 3 labels/);
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    assert.throws(() => readIdxSplit(dir, 't10k'), /t10k-labels-idx1-ubyte\[\.gz\] not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
