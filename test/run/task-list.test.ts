// The run's compact task lists (src/run/task-list.ts, task-queue.ts) against the plain arrays they
// replace: the same tasks for any --limit, --sample, --shard and --classes, and the pool's queue
// hands them out in order, handed-back tasks first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ImageTask } from '../../src/protocol/messages';
import { evenlySpaced, selectImages, type DatasetListing } from '../../src/run/dataset';
import { restrictToClasses } from '../../src/run/datasets/class-subset';
import { arrayListing, type ArrayImages } from '../../src/run/datasets/source';
import { taskArray } from '../../src/run/task-list';
import { TaskQueue } from '../../src/run/task-queue';

const tasksOf = (labels: number[]): ImageTask[] => labels.map((label, index) => ({ index, file: `f${index}.png`, path: `/d/f${index}.png`, label }));

/** The selection as an array: first `limit`, then `sample` evenly spaced, then index % n == i. */
function selectedArray(tasks: ImageTask[], limit?: number, sample?: number, shard?: { index: number; count: number }): ImageTask[] {
  const limited = limit === undefined ? tasks : tasks.slice(0, limit);
  const sampled = sample === undefined ? limited : evenlySpaced(limited, sample);
  return shard === undefined ? sampled : sampled.filter((task) => task.index % shard.count === shard.index);
}

test('selection and class subsets of a task list equal those of the array, for any choice', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }),
      fc.option(fc.integer({ min: 1, max: 70 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 70 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 4 }).chain((count) => fc.record({ count: fc.constant(count), index: fc.integer({ min: 0, max: count - 1 }) })), { nil: undefined }),
      fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
      (labels, limit, sample, shard, classes) => {
        const tasks = tasksOf(labels);
        const listing: DatasetListing = { root: '/d', classes: ['a', 'b', 'c', 'd'], images: taskArray(tasks), skipped: [], skippedReasons: [] };
        assert.deepEqual([...selectImages(listing.images, { limit, sample, shard })], selectedArray(tasks, limit, sample, shard));
        if (!classes.some((label) => labels.includes(label))) return;
        const subset = restrictToClasses(listing, classes.map(String));
        const expected = tasks.filter((task) => classes.includes(task.label)).map((task, index) => ({ ...task, index, label: classes.indexOf(task.label) }));
        assert.deepEqual([...subset.images], expected);
        assert.deepEqual(Array.from({ length: subset.images.length }, (_, p) => [subset.images.indexAt(p), subset.images.labelAt(p)]), expected.map((task) => [task.index, task.label]));
        assert.deepEqual([...selectImages(subset.images, { limit, sample, shard })], selectedArray(expected, limit, sample, shard));
      },
    ),
  );
});

test('an array dataset\'s tasks are made from its description: record i at firstRecord + i·stride + skip', () => {
  const images: ArrayImages = {
    format: 'cifar', path: '/d/test_batch.bin', place: { encoding: 'plain', start: 0 }, firstRecord: 0, stride: 3073, skip: 1, count: 4, available: 3, damage: 'truncated',
    dtype: 'uint8', littleEndian: true, layout: 'chw', height: 32, width: 32, channels: 3,
  };
  const listing = arrayListing(images, [2, 0, 1, 1], 'test_batch.bin', ['a', 'b', 'c']);
  assert.equal(listing.images.length, 3);
  assert.deepEqual(listing.skipped, ['test_batch.bin#3-3']);
  const task = listing.images.at(2);
  assert.deepEqual([task.index, task.file, task.label, task.source?.index, task.source?.offset], [2, 'test_batch.bin#2', 1, 2, 2 * 3073 + 1]);
  assert.notEqual(listing.images.at(2), listing.images.at(2), 'made on demand, not held');
  assert.throws(() => arrayListing(images, [2, 5], 'labels', ['a', 'b', 'c']), /^Error: labels: label 5 of image 1 is not a class index 0…2 \(3 classes\)$/);
});

test('the pool\'s queue hands out lists in order, task by task, with handed-back tasks first', () => {
  const queue = new TaskQueue();
  const first = tasksOf([0, 1, 0, 1, 1]);
  queue.add(taskArray(first));
  queue.add(tasksOf([1, 1]).map((task) => ({ ...task, file: `second-${task.index}` })));
  assert.equal(queue.length, 7);
  const taken = queue.take(3);
  assert.deepEqual(taken.map((task) => task.file), ['f0.png', 'f1.png', 'f2.png']);
  queue.putBack(taken.slice(1));
  assert.equal(queue.length, 6);
  assert.deepEqual(queue.take(4).map((task) => task.file), ['f1.png', 'f2.png', 'f3.png', 'f4.png']);
  assert.deepEqual(queue.take(4).map((task) => task.file), ['second-0', 'second-1']);
  assert.equal(queue.length, 0);
  assert.deepEqual(queue.take(2), []);
  queue.add(taskArray(first));
  queue.clear();
  assert.equal(queue.length, 0);
});
