/** The bench's numbers: the JSON file written per run, and its text rendering for the terminal. */
import { cpus, availableParallelism, totalmem, platform, arch } from 'node:os';
import type { BackendName } from '../protocol/report';
import type { MicroResult } from './micro';
import type { ProtocolRunResult, ProtocolSettings } from './protocol-run';
import type { PyTorchSection } from './pytorch';

export interface ModelResult {
  model: string;
  description: string;
  backend: BackendName;
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
  /** Set when the backend or the model could not be measured at all. */
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
}

export interface BenchResults {
  tool: 'robustness-lens bench';
  version: string;
  date: string;
  /** The bench's arguments, to rerun the same measurement. */
  command: string;
  machine: MachineInfo;
  settings: ProtocolSettings & { workers: number[]; maxRunSeconds: number; batchMegabytes: number };
  results: ModelResult[];
  /** The same protocol in PyTorch (bench/pytorch/protocol.py); absent when --no-pytorch. */
  pytorch?: PyTorchSection;
}

export function machineInfo(backendsMeasured: readonly BackendName[]): MachineInfo {
  const cpu = cpus()[0];
  return {
    cpuModel: cpu ? cpu.model : 'unknown',
    cores: availableParallelism(),
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${platform()} ${arch()}`,
    node: process.version,
    gpu: backendsMeasured.includes('tensorflow-gpu') ? 'tensorflow-gpu backend' : null,
  };
}

const fixed = (value: number | null | undefined, digits: number): string => (value === null || value === undefined ? '–' : value.toFixed(digits));

/** A plain-text table per model and backend. */
export function formatResults(results: BenchResults): string {
  const lines: string[] = [];
  const s = results.settings;
  lines.push(
    `robustness-lens bench ${results.version} · ${results.date} · ${results.machine.cpuModel} (${results.machine.cores} cores) · ${results.machine.gpu ?? 'no GPU'}`,
  );
  lines.push(`protocol: ${s.images} images, scales ${s.scales}, maxEps ${s.maxEps}, alphas ${s.alphas.join(',')}, samples ${s.samples}`);
  for (const r of results.results) {
    lines.push('');
    lines.push(`${r.model} on ${r.backend} — ${r.description}`);
    if (r.error) {
      lines.push(`  error: ${r.error}`);
      continue;
    }
    lines.push(`  input ${r.inputShape.join('x')}, ${r.parameters.toLocaleString('en-US')} parameters, ${(r.flopsPerForward / 1e6).toFixed(1)} MFLOP per forward pass`);
    if (r.micro) {
      const m = r.micro;
      lines.push(
        `  forward: ${fixed(m.forwardMsPerImage, 3)} ms/image at batch ${m.batch} (${fixed(r.forwardGflops, 1)} GFLOP/s), ${fixed(m.forwardMsBatch1, 2)} ms alone`,
      );
      const naive = m.naiveGradientForwardRatio === null ? '' : ` (TF.js's own wasm kernel: ${fixed(m.naiveGradientMs, 1)} ms, ${fixed(m.naiveGradientForwardRatio, 1)}x; max |diff| ${m.naiveGradientMaxAbsDiff?.toExponential(1) ?? '–'})`;
      lines.push(`  input gradient: ${fixed(m.gradientMs, 2)} ms = ${fixed(m.gradientForwardRatio, 2)}x a forward pass${naive}`);
    }
    if (r.runs.length) {
      lines.push('  workers  images/s  forwards/s  GFLOP/s  speedup  wall s  peak RSS MB/worker  gradient/line-search/random/decode');
      for (const run of r.runs) {
        const share = run.stageShare;
        lines.push(
          `  ${String(run.workers).padStart(7)}  ${fixed(run.imagesPerSecond, 3).padStart(8)}  ${fixed(run.forwardPassesPerSecond, 0).padStart(10)}  ${fixed(run.gflops, 1).padStart(7)}  ${fixed(run.speedup, 2).padStart(7)}  ${fixed(run.wallSeconds, 1).padStart(6)}  ${(run.peakRssMB.map((m) => m.toFixed(0)).join(', ') || '–').padStart(18)}  ${[share.gradient, share.lineSearch, share.random, share.decode].map((v) => `${(v * 100).toFixed(0)}%`).join('/')}`,
        );
      }
    }
    for (const skip of r.skipped) lines.push(`  ${skip.workers} worker${skip.workers === 1 ? '' : 's'}: skipped (${skip.reason})`);
  }
  return lines.join('\n');
}
