import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { listDataset } from '../../src/run/dataset';
import { isWithin, walkClassFolders } from '../../src/run/folder-walk';
import { temporaryFolder, writeGrayPng } from './helpers';

const folder = temporaryFolder('walk');
after(() => folder.remove());

let count = 0;
function dataset(images: string[]): string {
  const root = join(folder.path, `d${count++}`);
  mkdirSync(root);
  for (const file of images) writeGrayPng(join(root, file), 4, (x, y) => x * 40 + y);
  return root;
}

describe('the dataset walker and symbolic links', () => {
  it('does not follow a link back to the dataset root inside a class folder (the loop that multiplied 7 images into 287)', async () => {
    const root = dataset(['7_Sneaker/a.png', '7_Sneaker/b.png', '7_Sneaker/c.png', '8_Bag/d.png', '8_Bag/e.png', '8_Bag/f.png', '8_Bag/g.png']);
    symlinkSync(root, join(root, '7_Sneaker', 'loop'));
    const listing = await listDataset(root);
    assert.deepEqual([...listing.images].map((t) => [t.file, t.label]), [
      ['7_Sneaker/a.png', 0], ['7_Sneaker/b.png', 0], ['7_Sneaker/c.png', 0],
      ['8_Bag/d.png', 1], ['8_Bag/e.png', 1], ['8_Bag/f.png', 1], ['8_Bag/g.png', 1],
    ]);
    assert.deepEqual(listing.skippedReasons, [{ file: '7_Sneaker/loop', reason: `symbolic link out of its class folder (to ${realpathSync(root)})` }]);
    assert.deepEqual(listing.skipped, ['7_Sneaker/loop']);
  });

  it('never visits a folder twice: a link to a parent inside the class, or to a folder listed already', async () => {
    const root = dataset(['a/x/1.png', 'a/y/2.png', 'b/3.png']);
    symlinkSync(join(root, 'a'), join(root, 'a', 'x', 'up'));
    symlinkSync(join(root, 'a', 'y'), join(root, 'a', 'z'));
    const listing = await listDataset(root);
    assert.deepEqual([...listing.images].map((t) => t.file), ['a/x/1.png', 'a/y/2.png', 'b/3.png']);
    assert.deepEqual(listing.skippedReasons, [
      { file: 'a/x/up', reason: 'a folder already listed (the folder of class a)' },
      { file: 'a/z', reason: 'a folder already listed (a/y)' },
    ]);
  });

  it('takes a class folder that is a link to a folder elsewhere, and links within it', async () => {
    const elsewhere = dataset(['pool/1.png', 'pool/deep/2.png']);
    symlinkSync(join(elsewhere, 'pool', 'deep'), join(elsewhere, 'pool', 'shortcut'));
    const root = dataset(['a/0.png']);
    symlinkSync(join(elsewhere, 'pool'), join(root, 'b'));
    const listing = await listDataset(root);
    assert.deepEqual(listing.classes, ['a', 'b']);
    assert.deepEqual([...listing.images].map((t) => [t.file, t.label]), [['a/0.png', 0], ['b/1.png', 1], ['b/deep/2.png', 1]]);
    assert.deepEqual(listing.skippedReasons, [{ file: 'b/shortcut', reason: 'a folder already listed (b/deep)' }]);
  });

  it('refuses links out of the class: to another class, outside the dataset, broken; and a file listed twice', async () => {
    const outside = dataset(['o/9.png']);
    const root = dataset(['a/1.png', 'b/2.png']);
    symlinkSync(join(root, 'b'), join(root, 'a', 'to-b'));
    symlinkSync(join(root, 'b', '2.png'), join(root, 'a', '2-of-b.png'));
    symlinkSync(join(outside, 'o', '9.png'), join(root, 'a', 'outside.png'));
    symlinkSync(join(root, 'a', 'nothing'), join(root, 'a', 'broken.png'));
    symlinkSync(join(root, 'a', '1.png'), join(root, 'a', '0-again.png'));
    const listing = await listDataset(root);
    assert.deepEqual([...listing.images].map((t) => [t.file, t.label]), [['a/0-again.png', 0], ['b/2.png', 1]]);
    const real = (path: string) => realpathSync(path);
    assert.deepEqual(listing.skippedReasons, [
      { file: 'a/1.png', reason: 'the same file as a/0-again.png' },
      { file: 'a/2-of-b.png', reason: `symbolic link out of its class folder (to ${real(join(root, 'b', '2.png'))})` },
      { file: 'a/broken.png', reason: 'broken symbolic link' },
      { file: 'a/outside.png', reason: `symbolic link out of its class folder (to ${real(join(outside, 'o', '9.png'))})` },
      { file: 'a/to-b', reason: `symbolic link out of its class folder (to ${real(join(root, 'b'))})` },
    ]);
  });

  it('does not take a top-level link to a folder holding the dataset, nor two class links to one folder', async () => {
    const elsewhere = dataset(['pool/1.png']);
    const root = dataset(['a/0.png']);
    symlinkSync(folder.path, join(root, 'ancestor'));
    symlinkSync(join(elsewhere, 'pool'), join(root, 'b'));
    symlinkSync(join(elsewhere, 'pool'), join(root, 'c'));
    const listing = await listDataset(root);
    assert.deepEqual(listing.classes, ['a', 'b', 'c']);
    assert.deepEqual([...listing.images].map((t) => t.file), ['a/0.png', 'b/1.png']);
    assert.deepEqual(listing.skippedReasons, [
      { file: 'ancestor', reason: 'symbolic link to a folder that holds the dataset folder (a loop)' },
      { file: 'c', reason: 'the same folder as the folder of class b' },
    ]);
  });
});

// A random tree: folders and files under a few class folders, and links from random places to
// random places (the root, ancestors, siblings, other classes, outside, nowhere).
const nodeName = fc.constantFrom('p', 'q', 'r');
const treeSpec = fc.record({
  folders: fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.array(nodeName, { maxLength: 3 })), { maxLength: 6 }),
  files: fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.array(nodeName, { maxLength: 3 }), fc.constantFrom('1.png', '2.png')), { minLength: 1, maxLength: 8 }),
  links: fc.array(
    fc.record({ from: fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.array(nodeName, { maxLength: 2 }), fc.constantFrom('l1', 'l2', 'l3')), to: fc.array(fc.constantFrom('a', 'b', 'p', 'q', '..', 'missing'), { maxLength: 3 }) }),
    { maxLength: 6 },
  ),
});

describe('the dataset walker, property-based', () => {
  it('on any tree with links: terminates, lists each real file once, under its own class folder only', async () => {
    await fc.assert(
      fc.asyncProperty(treeSpec, async (spec) => {
        const root = join(folder.path, `p${count++}`);
        mkdirSync(join(root, 'a'), { recursive: true });
        mkdirSync(join(root, 'b'), { recursive: true });
        for (const [cls, path] of spec.folders) mkdirSync(join(root, cls, ...path), { recursive: true });
        for (const [cls, path, name] of spec.files) {
          mkdirSync(join(root, cls, ...path), { recursive: true });
          writeGrayPng(join(root, cls, ...path, name), 2, () => 100);
        }
        for (const link of spec.links) {
          const [cls, path, name] = link.from;
          mkdirSync(join(root, cls, ...path), { recursive: true });
          try {
            symlinkSync(join(root, ...link.to), join(root, cls, ...path, name));
          } catch {
            // the name exists already
          }
        }
        const realRoot = realpathSync(root);
        const walk = await walkClassFolders(root);
        const seen = new Set<string>();
        for (const [cls, files] of walk.files) {
          const classReal = realpathSync(join(root, cls));
          for (const file of files) {
            assert.ok(file.startsWith(`${cls}/`), file);
            const real = realpathSync(join(root, ...file.split('/')));
            assert.ok(isWithin(real, classReal) || isWithin(real, realRoot), `${file} → ${real} left the dataset`);
            assert.ok(isWithin(real, classReal), `${file} → ${real} is outside class ${cls}`);
            assert.ok(!seen.has(real), `${real} listed twice`);
            seen.add(real);
          }
        }
        for (const entry of walk.skipped) assert.ok(entry.reason.length > 0 && !walk.files.get(entry.file.split('/')[0])?.includes(entry.file));
      }),
      { numRuns: 60 },
    );
  });
});
