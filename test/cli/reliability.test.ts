/**
 * The run survives what kills processes and refuses numbers it cannot trust: the real CLI and real
 * workers (dist/cli.js, dist/worker.js) on tiny real TF.js models and real PNG files.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { temporaryFolder, writeDataset, writeGrayPng } from '../run/helpers';
import { writeBrightnessModel, writeLinearSigmoidModel } from './tinyModel';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const folder = temporaryFolder('cli-reliability');
const data = join(folder.path, 'data');
const files = writeDataset(data, { dark: 5, light: 5 });
let model = '';

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  model = await writeBrightnessModel(join(folder.path, 'model'), 8);
});
after(() => folder.remove());

let outCount = 0;
const newOut = () => join(folder.path, `out${outCount++}`);
const engine = (samples: number) => ['--samples', String(samples), '--scales', '64', '--max-eps', '4', '--alphas', '1,2,5,10', '--details', '0'];
const readReport = (out: string) => JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
const comparable = (r: Report) => ({ ...r, config: { ...r.config, workers: undefined }, timings: undefined, startedAt: undefined, firstStartedAt: undefined, finishedAt: undefined });

function runCli(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: folder.path, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The worker processes the CLI forked. */
function workerPids(cliPid: number): number[] {
  const listed = spawnSync('pgrep', ['-P', String(cliPid)], { encoding: 'utf8' }).stdout;
  return listed.split('\n').filter(Boolean).map(Number);
}

describe('a worker killed mid-run', () => {
  it('is replaced: the run finishes with exit 0 and the report of an undisturbed run', async () => {
    const reference = newOut();
    const undisturbed = runCli(['check', '--model', model, '--data', data, '--out', reference, ...engine(20000), '--workers', '2']);
    assert.equal(undisturbed.status, 0, undisturbed.stderr);

    const out = newOut();
    const child = spawn(process.execPath, [cli, 'check', '--model', model, '--data', data, '--out', out, ...engine(20000), '--workers', '2'], { cwd: folder.path });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));
    const imagesFile = join(out, 'images.jsonl');
    // Once the workers analyse images (the first result is in), kill one the way the OOM killer does.
    while (running && !(existsSync(imagesFile) && readFileSync(imagesFile, 'utf8').length > 0)) await new Promise((resolve) => setTimeout(resolve, 10));
    const [victim] = workerPids(child.pid as number);
    assert.ok(running && victim, `the run ended before a worker could be killed: ${stderr}`);
    process.kill(victim, 'SIGKILL');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /worker \d was killed by SIGKILL/);
    const report = readReport(out);
    assert.equal(report.status, 'complete');
    assert.deepEqual(report.config.failed, []);
    assert.deepEqual(comparable(report), comparable(readReport(reference)));
    const lines = readFileSync(imagesFile, 'utf8').split('\n').filter(Boolean);
    assert.equal(new Set(lines.map((line) => JSON.parse(line).file)).size, lines.length, 'no image written twice');
    assert.deepEqual(report.images.map((image) => image.file), files);
  });
});

describe('a worker out of memory on one image', () => {
  // The address space of the CLI and its workers is capped below 16 GiB (ulimit -v, inherited by every fork), and
  // one PBM holds 65535×65535 pixels (a sparse file of 537 MB: one bit each): the decoder's
  // allocation of its 4.3 G float32 samples fails with V8's own "RangeError: Array buffer allocation
  // failed" on any machine, however much memory it has.
  const addressSpaceKb = 15_000_000;

  it('ends that worker; a fresh one retries the image once, then it is recorded failed with the reason and every other image finishes', () => {
    const oomData = join(folder.path, 'oom-data');
    const pngs = writeDataset(oomData, { dark: 3, light: 3 });
    const header = Buffer.from('P4\n65535 65535\n');
    writeFileSync(join(oomData, 'dark', 'huge.pbm'), header);
    truncateSync(join(oomData, 'dark', 'huge.pbm'), header.length + Math.ceil(65535 / 8) * 65535);
    const out = newOut();
    const args = ['check', '--model', model, '--data', oomData, '--out', out, ...engine(200), '--workers', '2'];
    const run = spawnSync('/bin/sh', ['-c', `ulimit -v ${addressSpaceKb} && exec "$0" "$@"`, process.execPath, cli, ...args], { cwd: folder.path, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /worker \d exited with code 1 while analysing dark\/huge\.pbm: unreadable PNM: Array buffer allocation failed; a new worker retries it/);
    const report = readReport(out);
    assert.equal(report.status, 'complete');
    assert.deepEqual(report.config.failed, [
      { file: 'dark/huge.pbm', reason: 'the worker analysing it exited with code 1 (2 times, each on a fresh worker): unreadable PNM: Array buffer allocation failed' },
    ]);
    assert.deepEqual(report.config.skipped ?? [], []);
    assert.deepEqual(report.images.map((image) => image.file), pngs);
    assert.equal(report.summary.images, pngs.length);
  });
});

describe('non-finite model outputs', () => {
  it('refuses a model with NaN weights in one line naming the model (exit 1, no report)', async () => {
    const nanModel = await writeLinearSigmoidModel(join(folder.path, 'nan-model'), 8, Number.NaN, 0);
    const out = newOut();
    const run = runCli(['check', '--model', nanModel, '--data', data, '--out', out, ...engine(100), '--workers', '1']);
    assert.equal(run.status, 1, run.stderr);
    const lastLine = run.stderr.trim().split('\n').pop() as string;
    assert.match(lastLine, new RegExp(`^robustness-lens: the model ${nanModel.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} gives non-finite outputs on the first 3 images \\(.*NaN.*\\): check its weights and the input scaling$`));
    assert.equal(run.stdout, '');
    assert.equal(existsSync(join(out, 'report.json')), false);
  });

  it('records an image whose outputs are non-finite as failed, never correct, and keeps it out of the summary', async () => {
    // weight ∞: a black pixel gives ∞ · 0 = NaN; an image with no black pixel gives a finite output.
    const mixed = join(folder.path, 'mixed');
    writeGrayPng(join(mixed, 'dark', 'black0.png'), 8, () => 0);
    writeGrayPng(join(mixed, 'dark', 'black1.png'), 8, () => 0);
    for (let i = 0; i < 4; i++) writeGrayPng(join(mixed, 'light', `${i}.png`), 8, (x, y) => 150 + ((x + y + i) % 50));
    const infModel = await writeLinearSigmoidModel(join(folder.path, 'inf-model'), 8, Number.POSITIVE_INFINITY, 0);
    const out = newOut();
    const run = runCli(['check', '--model', infModel, '--data', mixed, '--out', out, ...engine(100), '--workers', '1']);
    assert.equal(run.status, 0, run.stderr);
    const report = readReport(out);
    assert.deepEqual(report.config.failed?.map((entry) => entry.file), ['dark/black0.png', 'dark/black1.png']);
    for (const entry of report.config.failed ?? []) assert.match(entry.reason, /^the model's outputs are not finite \(/);
    assert.deepEqual(report.images.map((image) => image.file), ['light/0.png', 'light/1.png', 'light/2.png', 'light/3.png']);
    assert.equal(report.summary.images, 4);
    for (const image of report.images) assert.ok(image.probabilities?.every(Number.isFinite), image.file);
    assert.match(run.stderr, /failed dark\/black0\.png: the model's outputs are not finite/);
  });
});
