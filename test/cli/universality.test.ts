/**
 * Universality (the paper's Theorem 8) through the real product path: a linear classifier saved
 * as a TF.js layers model, real PNG images, the built command line and its worker processes.
 * On a binary linear classifier the answer is exact: every image of a class gets the direction
 * ∓w/‖w‖, so image i's perturbation ε*_i·v flips image j of its class exactly when ε*_i exceeds
 * j's distance h_j to the boundary; the random baseline ε*_i·u_i flips j exactly when
 * ε*_i·(u_i·n) exceeds h_j (n the unit normal out of the class, u_i the run's baseline direction).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../src/cli/args';
import { baselineDirection } from '../../src/engine/universality';
import type { Report } from '../../src/protocol/report';
import { temporaryFolder } from '../run/helpers';
import { decodedPixels, distanceOf, grayImageAtDistance, l2, logit, saveLinearModel, writeGrayPng, type LinearCase } from './linearCase';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const folder = temporaryFolder('universality');
const seed = 5;
const classes = ['negative', 'positive'];
const model: LinearCase = { shape: [4, 4, 1], weights: [1.5, -0.75, 1.25, 0.5, -1, 0.25, 0.75, -0.5, 1, 0.5, -1.25, 0.75, 0.5, -0.25, 1, -0.75], bias: -0.5 };
const maxEps = 0.8;
const scales = 32;
const midStep = (k: number) => ((k + 0.5) * maxEps) / scales;

interface Known {
  file: string;
  label: 0 | 1;
  distance: number;
  x: Float64Array;
}

let data: string;
let modelPath: string;
let images: Known[];

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  data = join(folder.path, 'data');
  const specs: { label: 0 | 1; distance: number; shift: number }[] = [
    ...[2, 6, 11, 17, 24].map((k, i) => ({ label: 1 as const, distance: midStep(k), shift: i })),
    ...[1, 4, 9, 14, 20, 27].map((k, i) => ({ label: 0 as const, distance: midStep(k), shift: i + 5 })),
    // Correct and beyond maxEps: a target, never a source.
    { label: 0, distance: 1.1, shift: 11 },
  ];
  images = specs.map((spec, i) => {
    const start = Uint8Array.from({ length: 16 }, (_, p) => 100 + ((p * 37 + spec.shift * 23) % 57));
    const gray = grayImageAtDistance(model, start, spec.label, spec.distance);
    const file = `${classes[spec.label]}/${String(i).padStart(2, '0')}.png`;
    writeGrayPng(join(data, file), model, gray);
    return { file, label: spec.label, distance: distanceOf(model, gray), x: decodedPixels(model, gray) };
  });
  modelPath = await saveLinearModel(model, join(folder.path, 'model'));
});
after(() => folder.remove());

let outCount = 0;
function check(...extra: string[]): { status: number | null; stderr: string; report: Report } {
  const out = join(folder.path, `out${outCount++}`);
  const args = ['check', '--model', modelPath, '--data', data, '--out', out, '--seed', String(seed), '--max-eps', String(maxEps), '--scales', String(scales)];
  args.push('--alphas', '1,2', '--samples', '40', '--workers', '2', '--details', '0');
  const result = spawnSync(process.execPath, [cli, ...args, ...extra], { cwd: folder.path, encoding: 'utf8' });
  const report = result.status === 0 ? (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report) : (null as unknown as Report);
  return { status: result.status, stderr: result.stderr, report };
}

describe('universality on a binary linear classifier, through the CLI (known answers)', () => {
  it('each source flips exactly the targets of its class closer to the boundary than its ε*; the baseline exactly those its random reach passes', () => {
    const run = check('--universality');
    assert.equal(run.status, 0, run.stderr);
    const u = run.report.universality;
    assert.ok(u, 'report.universality is written');
    assert.equal(u.status, 'measured');
    assert.equal(u.forced, true);
    assert.equal(u.targetsPerClass, 200);
    const byFile = new Map(run.report.images.map((record) => [record.file, record]));
    const wNorm = l2(model.weights);
    let expectedPairs = 0;
    for (const source of u.sources) {
      const known = images.find((image) => image.file === source.file) as Known;
      const record = byFile.get(source.file);
      assert.ok(record?.adversarial, `${source.file} is susceptible`);
      assert.equal(source.eps, record.adversarial.eps);
      const others = images.filter((image) => image.label === known.label && image.file !== known.file);
      assert.equal(source.targets, others.length, `${source.file}: every other correct image of its class is a target`);
      expectedPairs += others.length;
      const expectedFlips = others.filter((target) => target.distance < source.eps).length;
      assert.equal(source.flips, expectedFlips, `${source.file} (ε* ${source.eps}) flips the targets with h < ε*`);
      const direction = baselineDirection(seed, record.index as number, 16);
      const outward = model.weights.map((w) => ((known.label === 1 ? -1 : 1) * w) / wNorm);
      const reach = source.eps * direction.reduce((sum, value, i) => sum + value * outward[i], 0);
      const expectedBaseline = others.filter((target) => target.distance < reach).length;
      assert.equal(source.baselineFlips, expectedBaseline, `${source.file}: random baseline (reach ${reach})`);
    }
    const susceptible = images.filter((image) => image.distance <= maxEps);
    assert.equal(u.sources.length, susceptible.length, 'the susceptible images are the sources');
    assert.ok(u.sources.length >= 10);
    assert.equal(u.pairs, expectedPairs);
    assert.equal(u.classes.length, 2);
    const negative = u.classes.find((c) => c.label === 0);
    assert.equal(negative?.name, 'negative');
    assert.equal(negative?.correct, 7);
    const negativeSources = susceptible.filter((image) => image.label === 0).length;
    assert.equal(negative?.sources, negativeSources);
    assert.equal(negative?.pairs, negativeSources * 6);
    assert.equal(u.rate, u.flips / u.pairs);
    assert.ok(typeof run.report.timings?.universalitySeconds === 'number');
    // Sanity of the fixture itself: the logits put every image on its class's side.
    for (const image of images) assert.equal(logit(model, image.x) > 0 ? 1 : 0, image.label);
  });

  it('samples the targets with --universality-targets and says how many', () => {
    const run = check('--universality', '--universality-targets', '3');
    assert.equal(run.status, 0, run.stderr);
    const u = run.report.universality;
    assert.ok(u);
    assert.equal(u.targetsPerClass, 3);
    for (const c of u.classes) assert.equal(c.targets, 3);
    for (const source of u.sources) assert.ok(source.targets === 2 || source.targets === 3, `${source.file}: 3 targets, less itself`);
  });

  it('by default skips a measure that costs 10 % of the run or more, and says why; --no-universality leaves it out', () => {
    const auto = check();
    assert.equal(auto.status, 0, auto.stderr);
    assert.equal(auto.report.universality?.status, 'skipped');
    assert.ok((auto.report.universality?.costFraction ?? 0) >= 0.1);
    assert.match(auto.report.universality?.reason ?? '', /cost about \d+ % .*--universality/);
    const off = check('--no-universality');
    assert.equal(off.status, 0, off.stderr);
    assert.equal(off.report.universality, undefined);
  });

  it('bad universality arguments are usage errors', () => {
    const base = ['check', '--model', 'm.json', '--data', 'd', '--out', 'o'];
    assert.throws(() => parseArgs([...base, '--universality-targets', '0']), (error: unknown) => error instanceof UsageError && /--universality-targets must be a positive integer/.test(error.message));
    assert.throws(() => parseArgs([...base, '--universality', '--no-universality']), UsageError);
    assert.throws(() => parseArgs([...base, '--universality', '--shard', '0/2']), /cannot be measured on a --shard/);
    const parsed = parseArgs([...base, '--universality', '--universality-targets', '50']);
    assert.ok(parsed.kind === 'check' && parsed.options.universality === 'on' && parsed.options.universalityTargets === 50);
    const result = spawnSync(process.execPath, [cli, ...base, '--universality-targets', 'x'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--universality-targets must be a whole number/);
  });
});
