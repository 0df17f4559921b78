import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listDataset, readLabels, selectImages } from '../../src/run/dataset';
import { temporaryFolder, writeGrayPng } from './helpers';

const folder = temporaryFolder('dataset');
after(() => folder.remove());

let count = 0;
function dataset(files: Record<string, 'png' | 'jpeg' | string>): string {
  const root = join(folder.path, `d${count++}`);
  mkdirSync(root);
  for (const [file, content] of Object.entries(files)) {
    const path = join(root, file);
    if (content === 'png') writeGrayPng(path, 4, (x, y) => x * 40 + y);
    else {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content === 'jpeg' ? Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]) : content);
    }
  }
  return root;
}

describe('listDataset', () => {
  it('labels classes by sorted folder names and orders images by relative path', async () => {
    const root = dataset({ 'b/2.png': 'png', 'b/10.png': 'png', 'a/z.jpg': 'jpeg', 'a/y.JPEG': 'jpeg', 'a/sub/x.png': 'png' });
    const listing = await listDataset(root);
    assert.deepEqual(listing.classes, ['a', 'b']);
    assert.deepEqual(
      [...listing.images].map((t) => [t.index, t.file, t.label]),
      [
        [0, 'a/sub/x.png', 0],
        [1, 'a/y.JPEG', 0],
        [2, 'a/z.jpg', 0],
        [3, 'b/10.png', 1],
        [4, 'b/2.png', 1],
      ],
    );
    assert.equal(listing.images.at(3)!.path, join(root, 'b', '10.png'));
    assert.deepEqual(listing.skipped, []);
  });

  it('takes class indices from a labels file, in its order, ignoring blank lines', async () => {
    const root = dataset({ 'cat/1.png': 'png', 'dog/1.png': 'png' });
    const labels = join(root, '..', `labels${count}.txt`);
    writeFileSync(labels, 'dog\r\n\n  cat  \nbird\n\n');
    const listing = await listDataset(root, labels);
    assert.deepEqual(listing.classes, ['dog', 'cat', 'bird']);
    assert.deepEqual([...listing.images].map((t) => [t.file, t.label]), [['cat/1.png', 1], ['dog/1.png', 0]]);
  });

  it('rejects a class folder the labels file does not name', async () => {
    const root = dataset({ 'cat/1.png': 'png', 'dog/1.png': 'png', 'fox/1.png': 'png' });
    const labels = join(folder.path, `labels${count}.txt`);
    writeFileSync(labels, 'cat\ndog\n');
    await assert.rejects(listDataset(root, labels), { message: `class folder "fox" not in labels file ${labels}` });
  });

  it('skips and lists files that are not PNG or JPEG (by extension and by signature), ignores hidden ones', async () => {
    const root = dataset({
      'a/1.png': 'png',
      'a/notes.txt': 'hello',
      'a/fake.png': 'not really a png',
      'a/.DS_Store': 'x',
      '.hidden/1.png': 'png',
      'README.md': '# data',
      'b/1.jpg': 'jpeg',
    });
    const listing = await listDataset(root);
    assert.deepEqual(listing.classes, ['a', 'b']);
    assert.deepEqual([...listing.images].map((t) => t.file), ['a/1.png', 'b/1.jpg']);
    assert.deepEqual(listing.skipped, ['README.md', 'a/fake.png', 'a/notes.txt']);
  });

  it('follows symbolic links to class folders', async () => {
    const target = dataset({ 'x/1.png': 'png' });
    const root = dataset({ 'a/1.png': 'png' });
    symlinkSync(join(target, 'x'), join(root, 'linked'));
    const listing = await listDataset(root);
    assert.deepEqual([...listing.images].map((t) => t.file), ['a/1.png', 'linked/1.png']);
  });

  it('fails with one clear line on a missing folder, no class folders, or no images', async () => {
    await assert.rejects(listDataset(join(folder.path, 'missing')), { message: `data folder not found: ${join(folder.path, 'missing')}` });
    const flat = dataset({ 'img.png': 'png' });
    await assert.rejects(listDataset(flat), { message: `no class folders in ${flat} (expected <class>/<image> layout)` });
    const empty = dataset({ 'a/readme.txt': 'x' });
    await assert.rejects(listDataset(empty), { message: `no images (PNG, JPEG, WebP, GIF, TIFF, BMP, PPM/PGM) in ${empty}` });
  });
});

describe('readLabels', () => {
  it('rejects a duplicate or an empty labels file', () => {
    const twice = join(folder.path, 'twice.txt');
    writeFileSync(twice, 'a\nb\na\n');
    assert.throws(() => readLabels(twice), { message: `labels file ${twice} names class "a" twice` });
    const empty = join(folder.path, 'empty.txt');
    writeFileSync(empty, '\n\n');
    assert.throws(() => readLabels(empty), { message: `labels file ${empty} names no classes` });
    assert.throws(() => readLabels(join(folder.path, 'none.txt')), /labels file not found/);
  });
});

describe('selectImages', () => {
  const images = Array.from({ length: 10 }, (_, index) => ({ index, file: `a/${index}`, path: `/a/${index}`, label: 0 }));

  it('keeps the first N in sorted order with a limit', () => {
    assert.deepEqual(selectImages(images, { limit: 3 }).map((t) => t.index), [0, 1, 2]);
    assert.equal(selectImages(images, { limit: 30 }).length, 10);
  });

  it('spreads a sample evenly over the sorted order (every class represented), after the limit', () => {
    assert.deepEqual(selectImages(images, { sample: 2 }).map((t) => t.index), [2, 7]);
    assert.deepEqual(selectImages(images, { sample: 5 }).map((t) => t.index), [1, 3, 5, 7, 9]);
    assert.deepEqual(selectImages(images, { limit: 4, sample: 2 }).map((t) => t.index), [1, 3]);
    assert.equal(selectImages(images, { sample: 50 }).length, 10);
    const twoClasses = images.map((t) => ({ ...t, label: t.index < 5 ? 0 : 1 }));
    assert.deepEqual(new Set(selectImages(twoClasses, { sample: 2 }).map((t) => t.label)), new Set([0, 1]));
  });

  it('interleaves shards by index modulo n, after the limit; the shards partition the selection', () => {
    assert.deepEqual(selectImages(images, { shard: { index: 1, count: 3 } }).map((t) => t.index), [1, 4, 7]);
    assert.deepEqual(selectImages(images, { limit: 7, shard: { index: 0, count: 3 } }).map((t) => t.index), [0, 3, 6]);
    const all = [0, 1, 2, 3].flatMap((index) => selectImages(images, { limit: 9, shard: { index, count: 4 } }).map((t) => t.index));
    assert.deepEqual(all.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
