/** The bench's numbers: the JSON file written per run, and its text rendering for the terminal. */
import type { DatasetMemorySection } from './dataset-memory';
import { cpus, availableParallelism, totalmem, platform, arch } from 'node:os';
import type { BackendName, ForwardChoice, ForwardName } from '../protocol/report';
import type { DefaultConfiguration } from './configurations';
import type { MicroResult } from './micro';
import type { ProtocolRunResult, MeasurementSettings } from './protocol-run';
import type { PyTorchSection } from './pytorch';
import type { AttackStepsSection } from './attack-steps';
import type { LongRunSection } from './long-run';
import type { RareEventSection } from './rare-event';

/** One measured configuration: a model on a backend with a forward engine. */
export interface ModelResult {
  model: string;
  description: string;
  backend: BackendName;
  /** The --forward this configuration was measured with. */
  forwardChoice: ForwardChoice;
  /** What ran its forward passes (`auto` resolved); null where that could not be set up (see error). */
  forward: ForwardName | null;
  /** Why `auto` kept the forward passes on TF.js, when it tried ONNX Runtime. */
  forwardNote: string | null;
  /** What `robustness-lens check` runs here with no --backend and no --forward (see defaultConfiguration). */
  isDefault: boolean;
  inputShape: number[];
  parameters: number;
  /** FLOPs of one forward pass of one image (src/bench/flops.ts). */
  flopsPerForward: number;
  /** Layers the FLOP counter did not know (the count is then a lower bound). */
  uncountedLayers: string[];
  micro: MicroResult | null;
  /** micro.forwardMsPerImage turned into GFLOP/s: the batched forward pass alone. */
  forwardGflops: number | null;
  runs: ProtocolRunResult[];
  /** Worker counts whose run was skipped, and why. */
  skipped: { workers: number; reason: string }[];
  /** Set when the backend, the forward engine or the model could not be measured at all. */
  error: string | null;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGB: number;
  platform: string;
  node: string;
  /** null: no GPU backend was measured (none installed or none present). */
  gpu: string | null;
  /** onnxruntime-node's version, null where it is not installed. */
  onnxRuntime: string | null;
}

export interface BenchResults {
  tool: 'robustness-lens bench';
  version: string;
  date: string;
  /** The bench's arguments, to rerun the same measurement. */
  command: string;
  machine: MachineInfo;
  /** forwards: --forward; null: the default per backend (onnxruntime and tfjs on wasm and cpu, else tfjs). */
  settings: MeasurementSettings & { workers: number[]; forwards: ForwardChoice[] | null; maxRunSeconds: number; batchMegabytes: number };
  /** What a user gets here with no --backend/--forward; its rows have isDefault. */
  defaultConfiguration: DefaultConfiguration;
  results: ModelResult[];
  /** The same protocol in PyTorch (bench/pytorch/protocol.py); absent when --no-pytorch. */
  pytorch?: PyTorchSection;
  /** Gradient steps per second per attack (attack-steps.ts); absent with --attacks none. */
  attacks?: AttackStepsSection[];
  /** The long run of the real CLI (long-run.ts); absent without --long-run. */
  longRun?: LongRunSection;
  /** The rare-event estimator's cost (rare-event.ts); absent without --rare-event. */
  rareEvent?: RareEventSection;
  /** Peak RSS of the dataset path at several sizes (dataset-memory.ts); absent without --dataset-memory. */
  datasetMemory?: DatasetMemorySection;
}

export function machineInfo(backendsMeasured: readonly BackendName[], onnxRuntime: string | null): MachineInfo {
  const cpu = cpus()[0];
  return {
    cpuModel: cpu ? cpu.model : 'unknown',
    cores: availableParallelism(),
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${platform()} ${arch()}`,
    node: process.version,
    gpu: backendsMeasured.includes('tensorflow-gpu') ? 'tensorflow-gpu backend' : null,
    onnxRuntime,
  };
}

const fixed = (value: number | null | undefined, digits: number): string => (value === null || value === undefined ? '–' : value.toFixed(digits));

/** "onnxruntime", "auto → onnxruntime": a configuration's forward engine as asked for and as run. */
export function forwardLabel(result: Pick<ModelResult, 'forwardChoice' | 'forward'>): string {
  if (result.forwardChoice !== 'auto') return result.forwardChoice;
  return `auto → ${result.forward ?? '?'}`;
}

/** What a forward engine is, in words, on a backend. */
function engineWords(forward: ForwardName, backend: BackendName): string {
  return forward === 'onnxruntime' ? 'ONNX Runtime, 1 thread' : `TF.js ${backend}`;
}

export const defaultMark = '[DEFAULT]';

/** One line: what `robustness-lens check` runs with no flags here, and whether this run measured it. */
export function formatDefault(results: BenchResults): string {
  const d = results.defaultConfiguration;
  const head = 'default configuration (robustness-lens check with no --backend/--forward):';
  if (d.backend === null) return `${head} no backend loads here`;
  const byForward = new Map<string, string[]>();
  for (const entry of d.forward) {
    const key = entry.forward ?? `not set up (${entry.note ?? 'unknown reason'})`;
    byForward.set(key, [...(byForward.get(key) ?? []), entry.model]);
  }
  const forwards = [...byForward].map(([forward, models]) => (byForward.size === 1 ? forward : `${forward} (${models.join(', ')})`)).join(', ');
  const measured = results.results.some((r) => r.isDefault);
  const where = measured ? `rows marked ${defaultMark}` : 'not measured in this run';
  return `${head} backend auto → ${d.backend}, forward auto → ${forwards}; ${where}`;
}

/** A plain-text table per model, backend and forward engine. */
export function formatResults(results: BenchResults): string {
  const lines: string[] = [];
  const s = results.settings;
  const m = results.machine;
  lines.push(
    `robustness-lens bench ${results.version} · ${results.date} · ${m.cpuModel} (${m.cores} cores) · ${m.gpu ?? 'no GPU'} · ${m.onnxRuntime ? `onnxruntime-node ${m.onnxRuntime}` : 'no onnxruntime-node'}`,
  );
  lines.push(`protocol: ${s.images} images, scales ${s.scales}, maxEps ${s.maxEps}, alphas ${s.alphas.join(',')}, samples ${s.samples}`);
  lines.push(formatDefault(results));
  for (const r of results.results) {
    lines.push('');
    lines.push(`${r.model} on ${r.backend} · forward ${forwardLabel(r)}${r.isDefault ? `  ${defaultMark}` : ''} — ${r.description}`);
    if (r.forwardNote) lines.push(`  note: ${r.forwardNote}`);
    if (r.error) {
      lines.push(`  error: ${r.error}`);
      continue;
    }
    lines.push(`  input ${r.inputShape.join('x')}, ${r.parameters.toLocaleString('en-US')} parameters, ${(r.flopsPerForward / 1e6).toFixed(1)} MFLOP per forward pass`);
    if (r.micro) {
      const mi = r.micro;
      const engine = engineWords(mi.forward, r.backend);
      lines.push(
        `  forward (${engine}): ${fixed(mi.forwardMsPerImage, 3)} ms/image at batch ${mi.batch} (${fixed(r.forwardGflops, 1)} GFLOP/s), ${fixed(mi.forwardMsBatch1, 2)} ms alone`,
      );
      const naive = mi.naiveGradientForwardRatio === null ? '' : ` (TF.js's own wasm kernel: ${fixed(mi.naiveGradientMs, 1)} ms, ${fixed(mi.naiveGradientForwardRatio, 1)}x; max |diff| ${mi.naiveGradientMaxAbsDiff?.toExponential(1) ?? '–'})`;
      const vjp = mi.vjpMs === null ? '' : `; the vjp alone ${fixed(mi.vjpMs, 2)} ms = ${fixed(mi.vjpForwardRatio, 2)}x`;
      lines.push(`  input gradient (${engineWords(mi.gradientEngine, r.backend)}): ${fixed(mi.gradientMs, 2)} ms = ${fixed(mi.gradientForwardRatio, 2)}x a one-image forward pass on ${engine}${vjp}${naive}`);
      const set = { memory: 'random set held', 'scratch-file': 'random set read back from the scratch file', regenerated: 'random set regenerated' }[mi.randomSetStorage];
      const ofOrt = (fraction: number | null) => `${fixed((fraction ?? 0) * 100, 0)}%`;
      const own = mi.ortForwardMsPerImage === null ? '' : ` = ${ofOrt(mi.randomStageFraction)} of ONNX Runtime's own forward throughput on the same graph (${fixed(mi.ortForwardMsPerImage, 3)} ms/image; ${ofOrt(mi.randomStageCpuFraction)} in CPU time)`;
      lines.push(`  random stage (${set}): ${fixed(mi.randomStageMsPerPass, 3)} ms per perturbed forward pass at batch ${mi.batch}${own}`);
      const firstOwn = mi.ortForwardMsPerImage === null ? '' : ` = ${ofOrt(mi.randomStageFirstImageFraction)}`;
      lines.push(`    first image, its rows drawn at init (${fixed(mi.randomSetDrawMsPerRow * 1e6 / r.inputShape.reduce((a, b) => a * b, 1), 1)} ns a value): ${fixed(mi.randomStageFirstImageMsPerPass, 3)} ms per pass${firstOwn}`);
    }
    if (r.runs.length) {
      lines.push('  workers  images/s  forwards/s  GFLOP/s  speedup  wall s  peak RSS MB/worker  gradient/line-search/random/decode');
      for (const run of r.runs) {
        const share = run.stageShare;
        lines.push(
          `  ${String(run.workers).padStart(7)}  ${fixed(run.imagesPerSecond, 3).padStart(8)}  ${fixed(run.forwardPassesPerSecond, 0).padStart(10)}  ${fixed(run.gflops, 1).padStart(7)}  ${fixed(run.speedup, 2).padStart(7)}  ${fixed(run.wallSeconds, 1).padStart(6)}  ${(run.peakRssMB.map((mb) => mb.toFixed(0)).join(', ') || '–').padStart(18)}  ${[share.gradient, share.lineSearch, share.random, share.decode].map((v) => `${(v * 100).toFixed(0)}%`).join('/')}`,
        );
      }
      for (const run of r.runs) {
        if (run.forward !== r.forward) lines.push(`  note: with ${run.workers} worker(s) the workers ran their forward passes on ${run.forward ?? 'an engine the report does not name'}`);
      }
    }
    for (const skip of r.skipped) lines.push(`  ${skip.workers} worker${skip.workers === 1 ? '' : 's'}: skipped (${skip.reason})`);
  }
  const engines = formatEngineComparison(results.results);
  if (engines) lines.push('', engines);
  return lines.join('\n');
}

/** Per model and backend measured with both engines: how much faster ONNX Runtime's forward passes and runs are. */
export function formatEngineComparison(results: readonly ModelResult[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const r of results) {
    const key = `${r.model}\u0000${r.backend}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const same = results.filter((other) => other.model === r.model && other.backend === r.backend && !other.error);
    const onnx = same.find((other) => other.forward === 'onnxruntime');
    const tfjs = same.find((other) => other.forward === 'tfjs');
    if (!onnx || !tfjs) continue;
    const parts: string[] = [];
    if (onnx.micro && tfjs.micro) parts.push(`forward ${fixed(tfjs.micro.forwardMsPerImage / onnx.micro.forwardMsPerImage, 2)}x`);
    for (const run of onnx.runs) {
      const other = tfjs.runs.find((t) => t.workers === run.workers);
      if (other) parts.push(`${run.workers} worker${run.workers === 1 ? '' : 's'} ${fixed(run.imagesPerSecond / other.imagesPerSecond, 2)}x images/s`);
    }
    if (parts.length) lines.push(`  ${r.model} on ${r.backend}: ${parts.join(', ')}`);
  }
  return lines.length ? ['onnxruntime over tfjs (speed of the ONNX Runtime configuration relative to TF.js):', ...lines].join('\n') : '';
}
