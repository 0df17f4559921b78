/**
 * `robustness-lens compare` and `gate` through the built command line, on two real reports: the
 * committed fixture run (A) and a copy whose adversarial distances are known multiples of A's (B).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseReportCommand } from '../../src/cli/report-args';
import { summarize } from '../../src/engine/statistics';
import type { CompareReport, Report } from '../../src/protocol/report';
import { temporaryFolder } from '../run/helpers';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const folder = temporaryFolder('compare-gate');
const fixture = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'reports', 'report.json'), 'utf8')) as Report;

/** B: every ε* of A times 2 on even positions, 0.5 on odd ones; one image dropped. */
function scaledCopy(report: Report): Report {
  let position = 0;
  const images = report.images.slice(1).map((image) => {
    if (!image.adversarial) return image;
    const factor = position++ % 2 === 0 ? 2 : 0.5;
    const a = image.adversarial;
    return { ...image, adversarial: { ...a, eps: a.eps * factor, l2: a.l2 * factor, l1: a.l1 * factor, linf: a.linf * factor } };
  });
  return { ...report, images, summary: summarize(images, report.config.alphas) };
}

function writeRun(name: string, report: Report): string {
  const dir = join(folder.path, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
  return dir;
}

function cliRun(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: folder.path, encoding: 'utf8' });
}

let runA: string;
let runB: string;
const b = scaledCopy(fixture);

before(() => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  runA = writeRun('baseline', fixture);
  runB = writeRun('augmented', b);
});
after(() => folder.remove());

describe('robustness-lens compare', () => {
  it('writes compare.json with deltas and the per-image ε* ratios, and a standalone compare.html', () => {
    const out = join(folder.path, 'cmp');
    const result = cliRun('compare', runA, join(runB, 'report.json'), '--out', out);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^baseline vs augmented: \d+ images in both; median ε\* ratio b\/a/);
    const compare = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareReport;
    assert.equal(compare.kind, 'compare');
    assert.equal(compare.a.name, 'baseline');
    assert.equal(compare.b.name, 'augmented');
    assert.equal(compare.common.images, fixture.images.length - 1, 'the dropped image is in A only');
    const susceptibleBoth = fixture.images.slice(1).filter((image) => image.adversarial).length;
    assert.equal(compare.common.susceptibleBoth, susceptibleBoth);
    for (const image of compare.images) assert.ok(Math.abs(image.ratio - 2) < 1e-12 || Math.abs(image.ratio - 0.5) < 1e-12, `${image.file}: ratio ${image.ratio}`);
    assert.equal(compare.ratio.larger, Math.ceil(susceptibleBoth / 2));
    assert.equal(compare.ratio.smaller, Math.floor(susceptibleBoth / 2));
    const accuracy = compare.measures.find((m) => m.key === 'accuracy');
    assert.equal(accuracy?.delta, b.summary.accuracy - fixture.summary.accuracy);
    const mean = compare.measures.find((m) => m.key === 'adversarial.l2.mean');
    assert.equal(mean?.b, b.summary.adversarial.l2.mean);
    for (const alpha of fixture.config.alphas) assert.ok(compare.measures.some((m) => m.key === `random.${alpha}.rate`));
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    assert.match(html, /<script type="application\/json" id="compare-data">/);
    assert.match(html, /Content-Security-Policy/);
  });

  it('says what is wrong with a missing run or missing arguments', () => {
    const missing = cliRun('compare', runA, join(folder.path, 'nowhere'), '--out', join(folder.path, 'x'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nowhere not found/);
    const one = cliRun('compare', runA, '--out', join(folder.path, 'x'));
    assert.equal(one.status, 2);
    assert.match(one.stderr, /compare needs two runs/);
  });
});

describe('robustness-lens gate', () => {
  const median = fixture.summary.adversarial.l2.median;

  it('passes (exit 0) when every gate holds, and writes JUnit XML with one testcase per gate', () => {
    const junit = join(folder.path, 'junit', 'pass.xml');
    const result = cliRun('gate', runA, '--min-median-eps', String(median * 0.9), '--max-adversarial-rate', '100%', '--max-random-rate', '1:0.5,2:0.5', '--junit', junit);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^gate passed: 4 gates on baseline/);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testsuite name="robustness-lens gate baseline" tests="5" failures="0"/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
  });

  it('fails (exit 3) naming the failed gate on one line; JUnit marks it as a failure', () => {
    const junit = join(folder.path, 'junit', 'fail.xml');
    const result = cliRun('gate', runA, '--min-median-eps', String(median * 2), '--max-adversarial-rate', '1', '--junit', junit);
    assert.equal(result.status, 3);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^gate failed: --min-median-eps [\d.]+ \(median ε\* [\d.]+ < [\d.]+\)$/);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /failures="1"/);
    assert.match(xml, /<testcase classname="robustness-lens gate baseline" name="--min-median-eps [\d.]+" time="0">\s*<failure message="median ε\*/);
  });

  it('holds a run against a baseline', () => {
    const worse = scaledCopy({ ...fixture, images: fixture.images.map((image) => image) });
    worse.summary = { ...worse.summary, adversarial: { ...worse.summary.adversarial, l2: { ...worse.summary.adversarial.l2, median: median * 0.5 } } };
    const worseRun = writeRun('worse', worse);
    const drop = cliRun('gate', worseRun, '--baseline', runA, '--max-median-eps-drop', '10%');
    assert.equal(drop.status, 3, drop.stdout + drop.stderr);
    assert.match(drop.stdout, /--max-median-eps-drop 0.1 \(median ε\* [\d.]+ against the baseline's [\d.]+: a drop of 50 % > 10 %\)/);
    const same = cliRun('gate', runA, '--baseline', runA, '--max-median-eps-drop', '0', '--max-accuracy-drop', '0', '--max-adversarial-rate-increase', '0');
    assert.equal(same.status, 0, same.stdout + same.stderr);
  });

  it('a cancelled run fails; an α the run lacks fails with the α it has', () => {
    const cancelled = writeRun('cancelled', { ...fixture, status: 'cancelled' });
    const result = cliRun('gate', cancelled, '--max-adversarial-rate', '1');
    assert.equal(result.status, 3);
    assert.match(result.stdout, /complete run \(the run was cancelled/);
    const alpha = cliRun('gate', runA, '--max-random-rate', '3:0.1');
    assert.equal(alpha.status, 3);
    assert.match(alpha.stdout, /no random perturbations at α = 3 \(it has α = 1, 2, 5, 10\)/);
  });

  it('bad gate arguments are usage errors (exit 2)', () => {
    assert.equal(cliRun('gate', runA).status, 2);
    const rate = cliRun('gate', runA, '--max-adversarial-rate', '1.5');
    assert.equal(rate.status, 2);
    assert.match(rate.stderr, /--max-adversarial-rate must be a rate between 0 and 1/);
    const baseline = cliRun('gate', runA, '--max-median-eps-drop', '0.1');
    assert.equal(baseline.status, 2);
    assert.match(baseline.stderr, /--max-median-eps-drop needs --baseline/);
    assert.throws(() => parseReportCommand(['gate', 'run', '--max-random-rate', '2']), /alpha:rate pairs/);
    const parsed = parseReportCommand(['gate', 'run', '--max-random-rate', '2:1%,10:0.2']);
    assert.deepEqual(parsed?.kind === 'gate' ? parsed.rules : null, [
      { kind: 'max-random-rate', alpha: 2, limit: 0.01 },
      { kind: 'max-random-rate', alpha: 10, limit: 0.2 },
    ]);
    assert.equal(existsSync(join(folder.path, 'junit', 'none.xml')), false);
  });
});
