/**
 * The bench's like-for-like comparison with PyTorch: bench/pytorch/protocol.py runs the same
 * protocol on the same model weights, images, settings and random set (the engine's, written to a
 * file) on Debian's python3-torch; we report our throughput over its, and how far the two agree on
 * ε* and on the flip counts. Skipped, and said so, where torch cannot be imported.
 */
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ForwardChoice, ForwardName, ImageRecord, Report } from '../protocol/report';
import { unitBallSamplesWithin } from '../engine/sampling';
import type { Fixture } from './fixtures';
import { repositoryRoot } from './fixtures';
import type { MeasurementSettings, StageSeconds } from './protocol-run';
import { defaultMark, forwardLabel, type ModelResult } from './results';

/** Debian's python3-torch installs for the system interpreter, not for a pyenv python3 on PATH. */
export const defaultPython = '/usr/bin/python3';
export const pythonEnv = 'ROBUSTNESS_LENS_BENCH_PYTHON';

export interface PyTorchRecord {
  file: string;
  label: number;
  predicted: number;
  correct: boolean;
  eps: number | null;
  /** The attack loss whose gradient gave the direction (the engine's LossKind names). */
  loss?: string;
  reason?: string;
  random: { alpha: number; flips: number; samples: number }[];
}

export interface PyTorchRun {
  threads: number;
  images: number;
  correct: number;
  susceptible: number;
  /** First image decoded to last image done, as our analysisSeconds. */
  analysisSeconds: number;
  /** Process start to exit, interpreter and torch import included. */
  processSeconds: number;
  imagesPerSecond: number;
  forwardPasses: number;
  forwardPassesPerSecond: number;
  /** GFLOP/s of the counted forward passes, as ours. */
  gflops: number;
  stageSeconds: StageSeconds & { classify: number };
  /** Rows per random-stage forward pass. */
  batch: number;
  records: PyTorchRecord[];
}

/** Which of our configurations a ratio or an agreement is about. */
export interface OurConfiguration {
  backend: string;
  forwardChoice: ForwardChoice;
  forward: ForwardName | null;
  /** What `robustness-lens check` runs here with no --backend/--forward. */
  isDefault: boolean;
  workers: number;
}

/** How far our results and PyTorch's agree, image by image (matched by file). */
export interface Agreement extends OurConfiguration {
  images: number;
  samePrediction: number;
  /** Images susceptible in both. */
  bothSusceptible: number;
  /** Susceptible in exactly one of the two. */
  susceptibleInOneOnly: number;
  sameEps: number;
  /** |Δε*| of one grid step (maxEps/scales). */
  oneStepApart: number;
  moreApart: number;
  /** Over the images susceptible in both, with the same ε*: flips summed per α, ours and PyTorch's. */
  flips: { alpha: number; ours: number; pytorch: number; imagesDiffering: number }[];
}

export interface PyTorchComparison {
  model: string;
  run: PyTorchRun | null;
  error: string | null;
  /** Our images/s over PyTorch's, per backend, forward engine and worker count. */
  ratios: (OurConfiguration & { ratio: number })[];
  /** The default configuration's ratio with as many workers as PyTorch has threads (the like-for-like one); null when not measured. */
  defaultRatio: (OurConfiguration & { ratio: number }) | null;
  agreement: Agreement[];
}

export type PyTorchSection =
  | { available: true; python: string; torch: string; randomSet: string; comparisons: PyTorchComparison[] }
  | { available: false; reason: string };

export function pythonPath(): string {
  return process.env[pythonEnv] || defaultPython;
}

/** torch's version, or why the comparison cannot run. */
export function pytorchAvailability(python: string = pythonPath()): { torch: string } | { reason: string } {
  const probe = (code: string) => spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 60_000 });
  const torch = probe('import torch; print(torch.__version__)');
  if (torch.error || torch.status !== 0) return { reason: `python3-torch not installed (${python} cannot import torch): comparison skipped` };
  const pil = probe('import PIL');
  if (pil.error || pil.status !== 0) return { reason: `python3-pil not installed (${python} cannot import PIL): comparison skipped` };
  return { torch: torch.stdout.trim() };
}

/** Where runProtocol writes a run's report (shared by main.ts and the comparison). */
export function runOutDir(workDir: string, model: string, backend: string, forward: ForwardChoice, workers: number): string {
  return join(workDir, 'runs', `${model}-${backend}-${forward}-${workers}`);
}

/** Most bytes of the random set in memory while it is written (224×224×3 sets are 1.2 GB). */
const randomSetWriteBytes = 16 * 1024 * 1024;

/** The engine's random set for this run (the same seed the workers use), as raw float32 for the script. */
export function writeRandomSet(workDir: string, samples: number, dimension: number, seed: number): string {
  const path = join(workDir, `random-set-${samples}x${dimension}-seed${seed}.f32`);
  if (existsSync(path)) return path;
  const chunkRows = Math.max(1, Math.floor(randomSetWriteBytes / (4 * dimension)));
  const set = unitBallSamplesWithin(samples, dimension, seed, { budgetBytes: randomSetWriteBytes, chunkRows });
  // Written under another name first, so an interrupted write is never taken for the set.
  const partial = `${path}.partial`;
  const file = openSync(partial, 'w');
  try {
    for (let start = 0; start < samples; start += chunkRows) {
      const rows = set.rows(start, Math.min(chunkRows, samples - start));
      const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
      for (let written = 0; written < bytes.length; ) written += writeSync(file, bytes, written);
    }
  } finally {
    closeSync(file);
  }
  renameSync(partial, path);
  return path;
}

interface ScriptOutput {
  threads: number;
  images: number;
  correct: number;
  susceptible: number;
  analysisSeconds: number;
  imagesPerSecond: number;
  forwardPasses: number;
  forwardPassesPerSecond: number;
  stageSeconds: StageSeconds & { classify: number };
  settings: { batch: number };
  records: PyTorchRecord[];
}

export async function runPyTorch(
  fixture: Fixture,
  settings: MeasurementSettings,
  threads: number,
  randomSet: string,
  flopsPerForward: number,
  python: string = pythonPath(),
): Promise<PyTorchRun> {
  const script = join(repositoryRoot(), 'bench', 'pytorch', 'protocol.py');
  const args = [
    script,
    '--model', fixture.model,
    '--data', fixture.data,
    ...(fixture.labels ? ['--labels', fixture.labels] : []),
    '--limit', String(settings.images),
    '--samples', String(settings.samples),
    '--scales', String(settings.scales),
    '--max-eps', String(settings.maxEps),
    '--alphas', settings.alphas.join(','),
    '--seed', String(settings.seed),
    '--random-set', randomSet,
    '--threads', String(threads),
  ];
  const started = performance.now();
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    execFile(python, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      if (error) {
        const reason = err.trim().split('\n').pop() || error.message.split('\n')[0];
        reject(new Error(`protocol.py failed: ${reason}`));
      } else {
        resolvePromise(out);
      }
    });
  });
  const processSeconds = (performance.now() - started) / 1000;
  let output: ScriptOutput;
  try {
    output = JSON.parse(stdout) as ScriptOutput;
  } catch {
    throw new Error(`protocol.py printed no JSON: ${stdout.slice(0, 200)}`);
  }
  return {
    threads: output.threads,
    images: output.images,
    correct: output.correct,
    susceptible: output.susceptible,
    analysisSeconds: output.analysisSeconds,
    processSeconds,
    imagesPerSecond: output.imagesPerSecond,
    forwardPasses: output.forwardPasses,
    forwardPassesPerSecond: output.forwardPassesPerSecond,
    gflops: (output.forwardPasses * flopsPerForward) / output.analysisSeconds / 1e9,
    stageSeconds: output.stageSeconds,
    batch: output.settings.batch,
    records: output.records,
  };
}

/** Compares our records with PyTorch's, image by image. */
export function agreementOf(ours: readonly ImageRecord[], theirs: readonly PyTorchRecord[], settings: MeasurementSettings): Omit<Agreement, keyof OurConfiguration> {
  const step = settings.maxEps / settings.scales;
  const byFile = new Map(theirs.map((record) => [record.file, record]));
  const result: Omit<Agreement, keyof OurConfiguration> = {
    images: 0,
    samePrediction: 0,
    bothSusceptible: 0,
    susceptibleInOneOnly: 0,
    sameEps: 0,
    oneStepApart: 0,
    moreApart: 0,
    flips: settings.alphas.map((alpha) => ({ alpha, ours: 0, pytorch: 0, imagesDiffering: 0 })),
  };
  for (const record of ours) {
    const other = byFile.get(record.file);
    if (!other) continue;
    result.images++;
    if (record.predicted === other.predicted) result.samePrediction++;
    const oursEps = record.adversarial?.eps ?? null;
    if ((oursEps === null) !== (other.eps === null)) result.susceptibleInOneOnly++;
    if (oursEps === null || other.eps === null) continue;
    result.bothSusceptible++;
    const steps = Math.round(Math.abs(oursEps - other.eps) / step);
    if (steps === 0) result.sameEps++;
    else if (steps === 1) result.oneStepApart++;
    else result.moreApart++;
    if (steps !== 0) continue;
    for (const row of result.flips) {
      const mine = record.random.find((r) => r.alpha === row.alpha)?.flips ?? 0;
      const theirsFlips = other.random.find((r) => r.alpha === row.alpha)?.flips ?? 0;
      row.ours += mine;
      row.pytorch += theirsFlips;
      if (mine !== theirsFlips) row.imagesDiffering++;
    }
  }
  return result;
}

/**
 * Runs the script for a fixture and compares it with our results for it: throughput ratios for
 * every run, agreement against the report of each configuration's largest run.
 */
export async function comparePyTorch(
  fixture: Fixture,
  ours: readonly ModelResult[],
  settings: MeasurementSettings,
  threads: number,
  workDir: string,
  python: string = pythonPath(),
): Promise<PyTorchComparison> {
  const comparison: PyTorchComparison = { model: fixture.name, run: null, error: null, ratios: [], defaultRatio: null, agreement: [] };
  const measured = ours.filter((result) => result.model === fixture.name && result.runs.length > 0);
  const reference = measured[0] ?? ours.find((result) => result.model === fixture.name && result.inputShape.length > 0);
  if (!reference) {
    comparison.error = 'our run has no model facts to compare with';
    return comparison;
  }
  const dimension = reference.inputShape.reduce((a, b) => a * b, 1);
  try {
    const randomSet = writeRandomSet(workDir, settings.samples, dimension, settings.seed);
    comparison.run = await runPyTorch(fixture, settings, threads, randomSet, reference.flopsPerForward, python);
  } catch (error) {
    comparison.error = (error as Error).message.split('\n')[0];
    return comparison;
  }
  const run = comparison.run;
  for (const result of measured) {
    const configuration = (workers: number): OurConfiguration => ({
      backend: result.backend,
      forwardChoice: result.forwardChoice,
      forward: result.forward,
      isDefault: result.isDefault,
      workers,
    });
    for (const ourRun of result.runs) {
      comparison.ratios.push({ ...configuration(ourRun.workers), ratio: ourRun.imagesPerSecond / run.imagesPerSecond });
    }
    const largest = result.runs[result.runs.length - 1];
    const reportPath = join(runOutDir(workDir, fixture.name, result.backend, result.forwardChoice, largest.workers), 'report.json');
    if (!existsSync(reportPath)) continue;
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    comparison.agreement.push({ ...configuration(largest.workers), ...agreementOf(report.images, run.records, settings) });
  }
  comparison.defaultRatio = comparison.ratios.find((ratio) => ratio.isDefault && ratio.workers === threads) ?? null;
  return comparison;
}

const percent = (part: number, whole: number) => `${whole > 0 ? ((part / whole) * 100).toFixed(0) : '0'}%`;

const plural = (workers: number) => `${workers} worker${workers === 1 ? '' : 's'}`;

function configurationName(c: Omit<OurConfiguration, 'workers'>, marked = true): string {
  return `${c.backend} · forward ${forwardLabel(c)}${marked && c.isDefault ? ` ${defaultMark}` : ''}`;
}

/** The comparison's lines for the terminal table. */
export function formatPyTorch(section: PyTorchSection | undefined): string {
  if (!section) return '';
  if (!section.available) return `\n\nagainst PyTorch: ${section.reason}`;
  const lines = ['', '', `against PyTorch ${section.torch} (${section.python}, bench/pytorch/protocol.py; random set: ${section.randomSet})`];
  for (const c of section.comparisons) {
    if (!c.run) {
      lines.push(`  ${c.model}: ${c.error ?? 'not run'}`);
      continue;
    }
    const r = c.run;
    const s = r.stageSeconds;
    const total = s.decode + s.classify + s.gradient + s.lineSearch + s.random;
    lines.push(
      `  ${c.model} in PyTorch: ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.images} images (${r.susceptible} susceptible), ${r.imagesPerSecond.toFixed(3)} images/s, ${r.forwardPassesPerSecond.toFixed(0)} forwards/s, ${r.gflops.toFixed(1)} GFLOP/s, ${r.analysisSeconds.toFixed(1)} s (process ${r.processSeconds.toFixed(1)} s), gradient/line-search/random/decode ${[s.gradient, s.lineSearch, s.random, s.decode].map((v) => percent(v, total)).join('/')}`,
    );
    const names = [...new Set([...c.ratios, ...c.agreement].map((q) => configurationName(q)))];
    for (const name of names) {
      const ratios = c.ratios.filter((q) => configurationName(q) === name);
      lines.push(`    ${name}: ours / PyTorch images/s ${ratios.map((q) => `${plural(q.workers)} ${q.ratio.toFixed(2)}x`).join(', ') || '–'}`);
      for (const a of c.agreement.filter((q) => configurationName(q) === name)) {
        lines.push(
          `      agreement (${plural(a.workers)}): ${a.samePrediction}/${a.images} same class, ε* ${a.sameEps}/${a.bothSusceptible} equal, ${a.oneStepApart} one step apart, ${a.moreApart} further, ${a.susceptibleInOneOnly} susceptible in one only; flips at equal ε* (ours vs PyTorch) ${a.flips.map((f) => `α=${f.alpha} ${f.ours}/${f.pytorch}`).join(', ')}`,
        );
      }
    }
  }
  const defaults = section.comparisons.filter((c) => c.run);
  if (defaults.length) {
    const threads = defaults[0].run?.threads ?? 0;
    const parts = defaults.map((c) => (c.defaultRatio ? `${c.model} ${c.defaultRatio.ratio.toFixed(2)}x (${configurationName(c.defaultRatio, false)})` : `${c.model} not measured`));
    lines.push(`  default configuration, ${plural(threads)} against ${threads} PyTorch thread${threads === 1 ? '' : 's'}, ours / PyTorch images/s: ${parts.join(', ')}`);
  }
  return lines.join('\n');
}
