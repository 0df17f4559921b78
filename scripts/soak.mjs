// Fault-injection soak: runs the real CLI on the demo, kills it or one of its workers (SIGKILL) at a
// random moment, resumes until the run completes, and checks that every resumed report equals the
// uninterrupted one (timings and dates aside) and that images.jsonl holds no torn or duplicate line.
// Usage: node scripts/soak.mjs [--runs 100] [--seed 1] [--keep] [--cli path/to/cli.js]   (needs dist/:
// npm run build; --cli runs a copy of dist/ elsewhere, so that a rebuild meanwhile cannot change it)
// Prints one JSON line with the counts; exit status 1 when any run differs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : process.argv[at + 1];
};
const cli = resolve(flag('--cli', join(root, 'dist', 'cli.js')));
const runs = Number(flag('--runs', '100'));
const seed = Number(flag('--seed', '1'));
const keep = process.argv.includes('--keep');
if (!Number.isInteger(runs) || runs < 1) {
  console.error('soak: --runs must be a positive integer');
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error(`soak: ${cli} not found (run npm run build first, or give --cli the path of a built cli.js)`);
  process.exit(2);
}

// Small settings, so one run takes a few seconds: 8 images spread over both classes, 100 samples.
const settings = ['--model', join(root, 'media/demo/model/model.json'), '--data', join(root, 'media/demo/data'), '--sample', '8', '--samples', '100', '--scales', '64', '--workers', '2', '--details', '0'];

/** mulberry32: the soak's kill moments and targets are reproducible from --seed. */
function prng(state) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(seed);

function start(out) {
  const child = spawn(process.execPath, [cli, 'check', ...settings, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited };
}

/** The processes the CLI forked (its workers), from /proc. */
function childrenOf(pid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the processes are gone (a killed CLI's workers exit when their IPC channel closes). */
async function waitGone(pids) {
  for (let i = 0; i < 200 && pids.some((pid) => existsSync(`/proc/${pid}`)); i++) await sleep(25);
}

const comparable = (report) => JSON.stringify({ ...report, timings: undefined, startedAt: undefined, firstStartedAt: undefined, finishedAt: undefined });

/** Problems with images.jsonl: a line that does not parse (torn), a file twice, no final newline. */
function jsonlProblems(path) {
  const text = readFileSync(path, 'utf8');
  const problems = [];
  if (text.length > 0 && !text.endsWith('\n')) problems.push('no newline after the last line');
  const seen = new Set();
  text.split('\n').filter(Boolean).forEach((line, number) => {
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      problems.push(`line ${number + 1} is torn`);
      return;
    }
    if (seen.has(record.file)) problems.push(`line ${number + 1} repeats ${record.file}`);
    seen.add(record.file);
  });
  return problems;
}

const work = mkdtempSync(join(tmpdir(), 'rl-soak-'));
const began = Date.now();
const referenceOut = join(work, 'reference');
const referenceStart = Date.now();
const reference = await start(referenceOut).exited;
const referenceSeconds = (Date.now() - referenceStart) / 1000;
if (reference.code !== 0) {
  console.error(`soak: the uninterrupted run failed: ${reference.stderr.trim().split('\n').pop()}`);
  process.exit(1);
}
const expected = comparable(JSON.parse(readFileSync(join(referenceOut, 'report.json'), 'utf8')));

const counts = { runs: 0, kills: 0, cliKills: 0, workerKills: 0, missedKills: 0, resumes: 0, equal: 0, different: 0 };
const failures = [];
for (let run = 0; run < runs; run++) {
  const out = join(work, `run${run}`);
  const { child, exited } = start(out);
  let ended = null;
  void exited.then((result) => (ended = result));
  // Anywhere from start-up (loading the model) to the end of the run.
  await sleep(random() * referenceSeconds * 1000);
  const target = random() < 0.5 ? 'cli' : 'worker';
  if (ended) {
    counts.missedKills++;
  } else if (target === 'cli') {
    const workers = childrenOf(child.pid);
    child.kill('SIGKILL');
    await exited;
    await waitGone(workers);
    counts.kills++;
    counts.cliKills++;
  } else {
    const workers = childrenOf(child.pid);
    if (workers.length === 0) {
      counts.missedKills++;
    } else {
      process.kill(workers[Math.floor(random() * workers.length)], 'SIGKILL');
      counts.kills++;
      counts.workerKills++;
    }
  }
  let result = await exited;
  // A killed CLI (or a run that a kill while loading the model ended) is resumed with the same command.
  for (let attempt = 0; result.code !== 0 && attempt < 3; attempt++) {
    counts.resumes++;
    result = await start(out).exited;
  }
  counts.runs++;
  const problems = result.code === 0 ? jsonlProblems(join(out, 'images.jsonl')) : [`did not complete: ${result.stderr.trim().split('\n').pop()}`];
  if (problems.length === 0 && comparable(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))) !== expected) problems.push('report differs from the uninterrupted one');
  if (problems.length === 0) counts.equal++;
  else {
    counts.different++;
    failures.push({ run, target, problems });
  }
  if (!keep) rmSync(out, { recursive: true, force: true });
}
if (!keep) rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify({ ...counts, seed, secondsPerRun: referenceSeconds, wallSeconds: Math.round((Date.now() - began) / 1000), failures }));
process.exit(counts.different === 0 ? 0 : 1);
