/**
 * Property tests (fast-check) of the paths bad input takes: the argument parser, the images.jsonl
 * reader, and the image decoders. Whatever arrives, the answer is a result or one clear line — never
 * a crash, a hang, a TypeError from inside, or a record made up from garbage.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encode } from 'fast-png';
import fc from 'fast-check';
import { parseArgs, UsageError } from '../../src/cli/args';
import type { ImageRecord } from '../../src/protocol/report';
import { readResults, writeResults } from '../../src/run/results-log';
import { decodeImage } from '../../src/worker/images/decode';
import { temporaryFolder } from '../run/helpers';

const folder = temporaryFolder('properties');
after(() => folder.remove());

const flagNames = ['--model', '--data', '--out', '--alphas', '--samples', '--scales', '--max-eps', '--limit', '--sample', '--seed', '--clip', '--workers', '--shard', '--attack', '--backend', '--fresh', '--details', '--batch-mb', '--bogus', '-x'];
const flagValues = fc.oneof(fc.constantFrom('1', '0', '-1', '1.5', 'NaN', 'Infinity', '1,2,5', '0/2', '2/2', 'a/b', '', 'm.json', '--model', '1e309', ' 3 '), fc.string({ maxLength: 6 }));
const argv = fc.tuple(fc.constantFrom('check', 'merge', 'bogus', '--help'), fc.array(fc.oneof(fc.constantFrom(...flagNames), flagValues), { maxLength: 12 }));

describe('the argument parser on any argv', () => {
  it('returns a command or throws a one-line UsageError, nothing else', () => {
    fc.assert(
      fc.property(argv, ([command, rest]) => {
        try {
          const parsed = parseArgs([command, ...rest]);
          assert.equal(typeof parsed, 'object');
        } catch (error) {
          assert.ok(error instanceof UsageError, `${[command, ...rest].join(' ')} threw ${String(error)}`);
          assert.ok(error.message.length > 0 && !error.message.includes('\n'), error.message);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts a non-finite or non-positive --samples', () => {
    fc.assert(
      fc.property(fc.constantFrom('0', '-1', '1.5', 'NaN', 'Infinity', '', 'x', '1e309'), (samples) => {
        assert.throws(() => parseArgs(['check', '--model', 'm.json', '--data', 'd', '--out', 'o', '--samples', samples]), UsageError);
      }),
    );
  });
});

const record = fc.record({
  file: fc.string({ minLength: 1, maxLength: 12 }),
  label: fc.nat(9),
  predicted: fc.nat(9),
  correct: fc.boolean(),
  adversarial: fc.constant(null),
  random: fc.constant([]),
  probabilities: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 3 }),
}) as fc.Arbitrary<ImageRecord>;

let fileCount = 0;
describe('the images.jsonl reader', () => {
  it('gives back every whole record and drops a line a kill tore, whatever the cut', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.nat(), (records, cutAt) => {
        const path = join(folder.path, `images${fileCount++}.jsonl`);
        writeResults(path, records);
        const whole = readFileSync(path);
        const cut = cutAt % (whole.length + 1);
        writeFileSync(path, whole.subarray(0, cut));
        const text = whole.subarray(0, cut).toString('utf8');
        const wholeLines = text.split('\n').length - 1;
        const read = readResults(path);
        // Every line before the cut, and the torn one only when what is left still parses as a whole record.
        assert.ok(read.length === wholeLines || read.length === wholeLines + 1, `${read.length} records from ${wholeLines} whole lines`);
        assert.deepEqual(read.slice(0, wholeLines), records.slice(0, wholeLines).map((r) => JSON.parse(JSON.stringify(r))));
        // After reading, the file ends on a line boundary: the next append starts a clean line.
        const after = readFileSync(path, 'utf8');
        assert.ok(after === '' || after.endsWith('\n'), JSON.stringify(after.slice(-20)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a file whose inner lines are not records, in one line', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\n') && s.trim().length > 0), (garbage) => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(garbage);
        } catch {
          // not JSON at all
        }
        fc.pre(!(typeof parsed === 'object' && parsed !== null && typeof (parsed as { file?: unknown }).file === 'string'));
        const path = join(folder.path, `bad${fileCount++}.jsonl`);
        writeFileSync(path, `${garbage}\n{"file":"a.png","label":0,"predicted":0,"correct":true,"adversarial":null,"random":[]}\n`);
        assert.throws(() => readResults(path), (error: Error) => /line 1 is not an image record/.test(error.message) && !error.message.includes('\n'));
      }),
      { numRuns: 200 },
    );
  });
});

const png = Buffer.from(encode({ width: 4, height: 4, data: new Uint8Array(16).fill(128), channels: 1, depth: 8 }));
const jpegHeader = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);

describe('the image decoders on damaged bytes', () => {
  it('decode a file or reject with one line: truncated, bit-flipped and random bytes', async () => {
    const damaged = fc.oneof(
      fc.nat(png.length - 1).map((n) => png.subarray(0, n)),
      fc.tuple(fc.nat(png.length - 1), fc.nat(255)).map(([at, value]) => {
        const copy = Buffer.from(png);
        copy[at] = value;
        return copy;
      }),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.concat([jpegHeader, bytes])),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.concat([png.subarray(0, 8), bytes])),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(damaged, async (bytes) => {
        try {
          const raster = await decodeImage(new Uint8Array(bytes));
          assert.ok(raster.width > 0 && raster.height > 0 && raster.data.length >= raster.width * raster.height, 'a decoded raster has its pixels');
        } catch (error) {
          assert.ok(error instanceof Error, String(error));
          assert.ok(error.message.split('\n')[0].length > 0, 'a reason');
        }
      }),
      { numRuns: 300 },
    );
  });
});
