/**
 * The command line end to end: the real bundles (dist/cli.js, dist/worker.js, dist/webview.js) on a
 * tiny real TF.js model and real PNG files, run as separate processes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { temporaryFolder, writeDataset } from '../run/helpers';
import { writeBrightnessModel } from './tinyModel';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const folder = temporaryFolder('cli');
const data = join(folder.path, 'data');
const files = writeDataset(data, { dark: 5, light: 5 });
writeFileSync(join(data, 'dark', 'notes.txt'), 'not an image');
let model = '';
// Small enough to stay quick on a shared 2-core machine.
const engine = (samples = 200) => ['--samples', String(samples), '--scales', '64', '--max-eps', '4', '--alphas', '1,2,5,10'];

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  model = await writeBrightnessModel(join(folder.path, 'model'), 8);
});
after(() => folder.remove());

let outCount = 0;
const newOut = () => join(folder.path, `out${outCount++}`);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Run {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: folder.path, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function checkRun(out: string, ...extra: string[]): Run {
  return runCli(['check', '--model', model, '--data', data, '--out', out, ...engine(), ...extra]);
}

const readReport = (out: string) => JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
const jsonLines = (out: string) => readFileSync(join(out, 'images.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const summaryPattern = /^accuracy \d+\.\d% \(\d+\/\d+\) · adversarial \d+\.\d% \(\d+\/\d+\) · random α=1 \d+\/\d+ · α=2 \d+\/\d+ · α=5 \d+\/\d+ · α=10 \d+\/\d+ → .*report\.json\n$/;

function assertContractShape(report: Report): void {
  assert.deepEqual(report.tool, { name: 'robustness-lens', version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version });
  for (const key of ['model', 'data', 'attack', 'scales', 'maxEps', 'alphas', 'samples', 'seed', 'clip', 'backend', 'inputShape', 'dimension', 'classes']) {
    assert.ok(key in report.config, `config.${key}`);
  }
  for (const key of ['images', 'correct', 'accuracy', 'adversarial', 'random']) assert.ok(key in report.summary, `summary.${key}`);
  for (const key of ['susceptible', 'rate', 'l2', 'l1', 'linf']) assert.ok(key in report.summary.adversarial, `summary.adversarial.${key}`);
  for (const norm of [report.summary.adversarial.l2, report.summary.adversarial.l1, report.summary.adversarial.linf]) {
    assert.deepEqual(Object.keys(norm).sort(), ['mean', 'median', 'std']);
  }
  for (const entry of report.summary.random) assert.deepEqual(Object.keys(entry).sort(), ['alpha', 'flips', 'rate', 'susceptible', 'trials']);
  for (const image of report.images) {
    for (const key of ['file', 'label', 'predicted', 'correct', 'adversarial', 'random']) assert.ok(key in image, `image.${key}`);
    assert.ok(!image.file.includes('\\'));
    if (image.adversarial === null) {
      assert.deepEqual(image.random, []);
      continue;
    }
    assert.deepEqual(Object.keys(image.adversarial).sort(), ['attack', 'eps', 'l1', 'l2', 'linf', 'loss']);
    assert.equal(image.adversarial.attack, report.config.attack);
    assert.ok(['logit', 'cross-entropy', 'margin'].includes(image.adversarial.loss));
    assert.deepEqual(image.random.map((entry) => entry.alpha), report.config.alphas);
    for (const entry of image.random) {
      assert.deepEqual(Object.keys(entry).sort(), ['alpha', 'flips', 'minFlip', 'samples']);
      if (entry.minFlip) assert.deepEqual(Object.keys(entry.minFlip).sort(), ['l1', 'l2', 'linf']);
    }
  }
}

describe('robustness-lens check', () => {
  let reference: Report;

  it('analyses every image and writes the contract’s files; stdout is only the summary line', () => {
    const out = newOut();
    const run = checkRun(out, '--workers', '2');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, summaryPattern);
    reference = readReport(out);
    assertContractShape(reference);
    assert.equal(reference.status, 'complete');
    assert.deepEqual(reference.images.map((image) => image.file), files);
    assert.deepEqual(reference.config.classes, ['dark', 'light']);
    assert.deepEqual(reference.config.inputShape, [8, 8, 1]);
    assert.equal(reference.config.dimension, 64);
    assert.deepEqual(reference.config.skipped, ['dark/notes.txt']);
    assert.equal(reference.summary.accuracy, 1, 'the brightness model classifies every image');
    assert.ok(reference.summary.adversarial.susceptible > 0);
    assert.deepEqual(jsonLines(out).sort((a, b) => a.index - b.index), reference.images);
    const details = JSON.parse(readFileSync(join(out, 'details.json'), 'utf8')) as { file: string; original: { width: number } }[];
    const susceptible = reference.images.filter((image) => image.adversarial !== null).map((image) => image.file);
    assert.deepEqual(details.map((detail) => detail.file), susceptible.slice(0, 24));
    assert.ok(details.every((detail) => detail.original.width > 0));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>') && html.includes(files[0]));
    assert.match(run.stderr, /^checking 10 images · input 8×8×1 \(d=64\) · 2 classes · \S+ ×2 → /m);
  });

  it('gives the same images with one worker', () => {
    const out = newOut();
    const run = checkRun(out, '--workers', '1');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readReport(out).images, reference.images);
  });

  it('resumes: after a --limit run, a rerun analyses only the missing images', () => {
    const out = newOut();
    assert.equal(checkRun(out, '--limit', '4', '--workers', '1').status, 0);
    assert.equal(jsonLines(out).length, 4);
    const rerun = checkRun(out, '--workers', '2');
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.match(rerun.stderr, /checking 10 images \(4 done earlier\)/);
    const report = readReport(out);
    assert.equal(report.timings?.imagesAnalysed, 6);
    assert.equal(jsonLines(out).length, 10);
    assert.deepEqual(report.images, reference.images);

    const other = checkRun(out, '--seed', '3');
    assert.equal(other.status, 1);
    assert.equal(other.stdout, '');
    assert.equal(other.stderr.trim(), `robustness-lens: ${out} holds a run with other settings (seed 0 → 3); use another --out or --fresh`);
  });

  it('--attack deepfool: recorded in the report, ε* at the exact distance below fgm-line’s grid step, part of the resume check', () => {
    const out = newOut();
    const run = checkRun(out, '--attack', 'deepfool', '--workers', '1', '--details', '2');
    assert.equal(run.status, 0, run.stderr);
    const report = readReport(out);
    assertContractShape(report);
    assert.equal(report.config.attack, 'deepfool');
    assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).settings.attack, 'deepfool');
    // The brightness model is linear: fgm-line's ε* is the first grid step (4/64) at or past the
    // distance to its hyperplane, deepfool's the distance itself.
    const step = 4 / 64;
    report.images.forEach((image, i) => {
      const paper = reference.images[i];
      assert.equal(image.file, paper.file);
      assert.equal(image.adversarial === null, paper.adversarial === null, image.file);
      if (!image.adversarial || !paper.adversarial) return;
      assert.equal(image.adversarial.loss, 'logit');
      assert.ok(image.adversarial.eps <= paper.adversarial.eps && image.adversarial.eps > paper.adversarial.eps - step, `${image.file}: ${image.adversarial.eps} vs ${paper.adversarial.eps}`);
    });
    const details = JSON.parse(readFileSync(join(out, 'details.json'), 'utf8')) as { outputs: { adversarial: number[] | null } }[];
    assert.equal(details.length, 2);
    for (const detail of details) assert.ok(detail.outputs.adversarial, 'the detail view draws the adversarial image');

    const paperRerun = checkRun(out);
    assert.equal(paperRerun.status, 1);
    assert.equal(paperRerun.stderr.trim(), `robustness-lens: ${out} holds a run with other settings (attack "deepfool" → "fgm-line"); use another --out or --fresh`);
  });

  it('shards merge into the unsharded report', () => {
    const shards = [newOut(), newOut()];
    shards.forEach((out, index) => assert.equal(checkRun(out, '--shard', `${index}/2`, '--workers', '1').status, 0));
    const out = newOut();
    const merge = runCli(['merge', '--out', out, ...shards]);
    assert.equal(merge.status, 0, merge.stderr);
    assert.match(merge.stdout, summaryPattern);
    // Universality needs every image of a class at once, so shards skip it (and say so); the per-image results must agree.
    const merged = readReport(out);
    assert.ok(!merged.universality || merged.universality.status === 'skipped', 'a merged report measures no universality');
    const comparable = (r: Report) => ({ ...r, config: { ...r.config, shard: null }, timings: undefined, startedAt: undefined, firstStartedAt: undefined, finishedAt: undefined, universality: undefined });
    assert.deepEqual(comparable(merged), comparable(reference));
    assert.ok(existsSync(join(out, 'report.html')));
  });

  it('on SIGINT writes a cancelled report of the finished images, exits 130, and a rerun completes it', async () => {
    const out = newOut();
    // Enough random samples that an image takes a noticeable time, so the interrupt lands mid-run.
    const slow = engine(20000);
    const child = spawn(process.execPath, [cli, 'check', '--model', model, '--data', data, '--out', out, ...slow, '--workers', '1'], { cwd: folder.path });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));
    const imagesFile = join(out, 'images.jsonl');
    while (running && !(existsSync(imagesFile) && readFileSync(imagesFile, 'utf8').length > 0)) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(running, `the run ended before the interrupt: ${stderr}`);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    const report = readReport(out);
    assert.ok(report.images.length >= 1);
    assert.deepEqual(report.images.map((image) => image.file), jsonLines(out).map((line) => line.file));
    assert.equal(report.status, report.images.length < 10 ? 'cancelled' : 'complete');
    assert.equal(stdout.split('\n').filter(Boolean).length, 1);
    if (report.status === 'cancelled') assert.match(stdout, /^cancelled after \d images? · accuracy/);

    const rerun = runCli(['check', '--model', model, '--data', data, '--out', out, ...slow, '--workers', '2']);
    assert.equal(rerun.status, 0, rerun.stderr);
    const completed = readReport(out);
    assert.equal(completed.status, 'complete');
    assert.equal(completed.timings?.imagesAnalysed, 10 - report.images.length);
    assert.deepEqual(completed.images.map((image) => image.file), files);

    // The resumed report dates the run from its first session and counts both sessions' time.
    assert.equal(report.firstStartedAt, report.startedAt);
    assert.equal(report.timings?.activeSeconds, report.timings?.wallSeconds);
    assert.equal(completed.firstStartedAt, report.startedAt);
    assert.ok(Date.parse(completed.startedAt as string) > Date.parse(report.startedAt as string));
    const bothSessions = (report.timings?.activeSeconds as number) + (completed.timings?.wallSeconds as number);
    assert.ok(Math.abs((completed.timings?.activeSeconds as number) - bothSessions) < 0.002, `${completed.timings?.activeSeconds} vs ${bothSessions}`);
    const runFile = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    assert.deepEqual(runFile.time, { firstStartedAt: report.startedAt, activeSeconds: completed.timings?.activeSeconds });
  });

  it('counts a killed session up to its last finished image: run.json keeps the time, the resumed report adds it', async () => {
    const out = newOut();
    const slow = engine(20000);
    const child = spawn(process.execPath, [cli, 'check', '--model', model, '--data', data, '--out', out, ...slow, '--workers', '1'], { cwd: folder.path });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let running = true;
    void exited.then(() => (running = false));
    const imagesFile = join(out, 'images.jsonl');
    while (running && !(existsSync(imagesFile) && readFileSync(imagesFile, 'utf8').split('\n').filter(Boolean).length >= 2)) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(running, `the run ended before the kill: ${stderr}`);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.equal(existsSync(join(out, 'report.json')), false, 'a killed session writes no report');
    const killed = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).time as { firstStartedAt: string; activeSeconds: number };
    assert.ok(killed.activeSeconds > 0, 'the killed session counted up to its last image');

    const rerun = runCli(['check', '--model', model, '--data', data, '--out', out, ...slow, '--workers', '2']);
    assert.equal(rerun.status, 0, rerun.stderr);
    const completed = readReport(out);
    assert.equal(completed.firstStartedAt, killed.firstStartedAt);
    const bothSessions = killed.activeSeconds + (completed.timings?.wallSeconds as number);
    assert.ok(Math.abs((completed.timings?.activeSeconds as number) - bothSessions) < 0.002, `${completed.timings?.activeSeconds} vs ${bothSessions}`);
  });
});

describe('robustness-lens exit codes', () => {
  it('exits 2 with one line and a usage hint on bad arguments', () => {
    const run = runCli(['check', '--model', 'm.json', '--data', 'd']);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, "robustness-lens: --out is required\nRun 'robustness-lens --help' for usage.\n");
  });

  it('exits 1 with one line on a run error', () => {
    const run = runCli(['check', '--model', join(folder.path, 'missing.json'), '--data', data, '--out', newOut()]);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `robustness-lens: model not found: ${join(folder.path, 'missing.json')}\n`);
  });

  it('exits 1 before analysing anything when the classes do not fit the model', () => {
    const threeClasses = join(folder.path, 'three');
    writeDataset(threeClasses, { a: 1, b: 1, c: 1 });
    const out = newOut();
    const run = runCli(['check', '--model', model, '--data', threeClasses, '--out', out, ...engine(), '--workers', '1']);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^robustness-lens: the model has .*2 classes.* but the data(set)? has 3.*\n$/);
    assert.equal(run.stderr.split('\n').length, 2);
    assert.equal(readFileSync(join(out, 'images.jsonl'), 'utf8'), '');
  });

  it('prints the usage and the version', () => {
    const help = runCli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage:\n {2}robustness-lens check --model/);
    const version = runCli(['--version']);
    assert.equal(version.stdout, `${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
  });
});
