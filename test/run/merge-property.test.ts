/**
 * The shard merger, property-based (fast-check): for any shard count and any images that fail or
 * cannot be decoded, merging the shards gives the unsharded run's report (timings, dates, the shard
 * field and universality, which is measured over whole runs only, aside), failed and skipped lists included.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Report } from '../../src/protocol/report';
import { startCheck } from '../../src/run/check';
import { mergeShards } from '../../src/run/merge';
import type { CheckOptions } from '../../src/run/types';
import { temporaryFolder, writeDataset, writeFakeWorker } from './helpers';

const folder = temporaryFolder('merge-property');
after(() => folder.remove());

const data = join(folder.path, 'data');
const files = writeDataset(data, { cat: 4, dog: 5 });
writeFileSync(join(data, 'dog', 'readme.md'), 'not an image');
const model = join(folder.path, 'model.json');
writeFileSync(model, '{}');
let count = 0;
const newDir = (name: string) => join(folder.path, `${name}${count++}`);

async function run(options: CheckOptions): Promise<Report> {
  await startCheck(options, () => undefined).done;
  return JSON.parse(readFileSync(join(options.out, 'report.json'), 'utf8')) as Report;
}

const comparable = (r: Report) => ({ ...r, config: { ...r.config, shard: null }, timings: undefined, startedAt: undefined, firstStartedAt: undefined, finishedAt: undefined, universality: undefined });

describe('mergeShards, property-based', () => {
  it('merged shards equal the unsharded run, for any shard count and any failing images', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Shards of 3 images or more with one non-finite image at most: no shard is refused as a non-finite model.
        fc.integer({ min: 1, max: 3 }),
        fc.subarray(files, { maxLength: 1 }),
        fc.subarray(files, { maxLength: 2 }),
        async (shardCount, nonFinite, undecodable) => {
          const dir = newDir('worker');
          mkdirSync(dir);
          const workerScript = writeFakeWorker(dir, { nonFiniteOn: nonFinite, failOn: undecodable.find((file) => !nonFinite.includes(file)) });
          const base: CheckOptions = { model, data, out: '', alphas: [1, 2], samples: 20, scales: 8, maxEps: 4, seed: 0, clip: false, backend: 'auto', workers: 1, workerScript, details: 0, universality: 'off' };
          const whole = await run({ ...base, out: newDir('whole') });
          const shards: string[] = [];
          for (let index = 0; index < shardCount; index++) {
            const out = newDir('shard');
            await run({ ...base, out, shard: { index, count: shardCount } });
            shards.push(out);
          }
          const { report } = await mergeShards({ out: newDir('merged'), shards: shards.reverse(), details: 0 });
          assert.deepEqual(comparable(report), comparable(whole));
        },
      ),
      { numRuns: 6 },
    );
  });
});
