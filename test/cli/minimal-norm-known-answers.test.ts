/**
 * The minimal-norm attacks' known answers through the real product path: linear classifiers saved
 * as TF.js layers models, real PNG files, the built command line and its workers. For such a model
 * the distance to the boundary is h = |w·x + b|/‖w‖ (PROTOCOL.md "The theory"): every bisected ε*
 * (deepfool, ddn, fmn, fgm-line --refine) must be h to 1e-4, and fgm-line's grid ε* the first step past h.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { temporaryFolder } from '../run/helpers';
import { distanceOf, grayImageAtDistance, saveLinearModel, signOf, writeGrayPng, type LinearCase } from './linearCase';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const folder = temporaryFolder('minimal-norm-known-answers');
const classes = ['negative', 'positive'];
/** The bisection's tolerance (line-search.ts), with float32 slack. */
const tolerance = 1e-4;

interface Case {
  data: string;
  modelPath: string;
  maxEps: number;
  scales: number;
  /** Exact distance per file. */
  distances: Map<string, number>;
}

async function writeCase(name: string, model: LinearCase, maxEps: number, scales: number, specs: { label: 0 | 1; distance: number; start: Uint8Array }[]): Promise<Case> {
  const data = join(folder.path, name, 'data');
  const distances = new Map<string, number>();
  specs.forEach((spec, i) => {
    const gray = grayImageAtDistance(model, spec.start, spec.label, spec.distance);
    const file = `${classes[spec.label]}/${String(i).padStart(2, '0')}.png`;
    writeGrayPng(join(data, file), model, gray);
    distances.set(file, distanceOf(model, gray));
  });
  return { data, modelPath: await saveLinearModel(model, join(folder.path, name, 'model')), maxEps, scales, distances };
}

function check(c: Case, name: string, ...extra: string[]): Report {
  const out = join(folder.path, name);
  const args = ['check', '--model', c.modelPath, '--data', c.data, '--out', out, '--max-eps', String(c.maxEps), '--scales', String(c.scales), '--alphas', '1,2', '--samples', '50', '--workers', '1', '--backend', 'wasm', ...extra];
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
}

function assertExact(eps: number, distance: number, where: string): void {
  assert.ok(eps >= distance * (1 - 1e-5) && eps - distance <= tolerance * eps + 1e-6, `${where}: ε* ${eps}, distance ${distance}`);
}

/** The first grid step k·maxEps/scales at or past h. */
const gridStepPast = (c: Case, distance: number) => (Math.ceil((distance * c.scales) / c.maxEps) * c.maxEps) / c.scales;

let low: Case;
let high: Case;

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const start = (a: number, b: number, c: number, d: number) => Uint8Array.from([a, b, c, d]);
  low = await writeCase('low', { shape: [2, 2, 1], weights: [1.5, -0.75, 1.25, 0.5], bias: -1.25 }, 0.5, 32, [
    { label: 1, distance: 0.055, start: start(128, 128, 128, 128) },
    { label: 1, distance: 0.27, start: start(200, 60, 100, 150) },
    { label: 0, distance: 0.11, start: start(90, 170, 140, 110) },
    { label: 0, distance: 0.41, start: start(90, 170, 140, 110) },
  ]);
  // d = 2352, every logit ≥ 17 in size: the sigmoid saturates, the attacks work through the logit.
  const weights = Array.from({ length: 28 * 28 * 3 }, (_, i) => signOf(i) * (8 + 2 * (i % 5)));
  const model: LinearCase = { shape: [28, 28, 3], weights, bias: Math.fround((-weights.reduce((sum, w) => sum + w, 0) * 128) / 255) };
  const gray = (shift: number) => Uint8Array.from({ length: 28 * 28 }, (_, p) => 98 + ((p * 37 + shift * 11) % 61));
  high = await writeCase('high', model, 2, 16, [
    { label: 1, distance: 0.04, start: gray(0) },
    { label: 1, distance: 0.3, start: gray(2) },
    { label: 0, distance: 0.05, start: gray(3) },
  ]);
});
after(() => folder.remove());

describe('known answers of the minimal-norm attacks (linear models, the real CLI)', () => {
  for (const [name, which] of [['d = 4', () => low], ['d = 2352, saturated sigmoid', () => high]] as const) {
    it(`best: every bisected ε* is the exact distance, fgm-line's the grid step past it (${name})`, () => {
      const c = which();
      const report = check(c, `best-${c.scales}`, '--attack', 'best');
      assert.equal(report.config.attack, 'best');
      assert.deepEqual(Object.keys(report.config.attackOptions ?? {}).sort(), ['ddnGamma', 'ddnInitEps', 'fmnAlpha', 'fmnAlphaFinal', 'fmnGamma', 'fmnGammaFinal', 'randomPerAttack', 'refine', 'steps']);
      for (const record of report.images) {
        const distance = c.distances.get(record.file)!;
        const adversarial = record.adversarial;
        assert.ok(adversarial, `${record.file}: ${record.reason}`);
        assertExact(adversarial.eps, distance, `${record.file} best`);
        assert.notEqual(adversarial.attack, 'fgm-line', `${record.file}: the grid cannot win against a bisection`);
        for (const attack of ['deepfool', 'ddn', 'fmn']) assertExact(adversarial.attacks?.[attack] ?? NaN, distance, `${record.file} ${attack}`);
        assert.ok(Math.abs((adversarial.attacks?.['fgm-line'] ?? NaN) - gridStepPast(c, distance)) < 1e-9, `${record.file} fgm-line`);
        assert.ok(adversarial.eps <= (adversarial.attacks?.['fgm-line'] ?? Infinity));
      }
    });
  }

  it('fgm-line --refine bisects within the grid step; ddn with its own budget', () => {
    const refined = check(low, 'refine', '--refine');
    assert.deepEqual(refined.config.attackOptions, { refine: true });
    for (const record of refined.images) {
      assert.equal(record.adversarial?.attack, 'fgm-line');
      assertExact(record.adversarial!.eps, low.distances.get(record.file)!, `${record.file} refined`);
    }
    const ddn = check(high, 'ddn', '--attack', 'ddn', '--steps', '40', '--ddn-gamma', '0.1');
    assert.deepEqual(ddn.config.attackOptions, { steps: 40, ddnGamma: 0.1, ddnInitEps: 1 });
    for (const record of ddn.images) assertExact(record.adversarial!.eps, high.distances.get(record.file)!, `${record.file} ddn`);
  });
});
