/** The bench's command line. Small defaults, so `npm run bench` takes a few minutes on 2 cores. */
import { availableParallelism } from 'node:os';
import type { TfBackendName as BackendName, ForwardChoice } from '../protocol/report';
import { forwardChoices } from '../run/validate';
import { autoOrder } from '../worker/backends';
import { fixtureNames, type FixtureName } from './fixtures';
import { attackNames, type AttackName } from '../engine/attacks/names';
import type { LongRunOptions } from './long-run';
import type { RareEventBenchOptions } from './rare-event';
import type { DatasetMemoryOptions } from './dataset-memory';
import { defaultRareEventBudget, minimumRareEventBudget } from '../engine/rare-event/estimate';

export interface BenchOptions {
  fixtures: FixtureName[];
  /** A model of the user's own instead of the fixtures. */
  custom: { model: string; data: string; labels?: string } | null;
  /** null: every backend that is installed. */
  backends: BackendName[] | null;
  /**
   * Forward engines (--forward) to measure on every backend; null: onnxruntime and tfjs on wasm and
   * cpu where ONNX Runtime is installed, tfjs alone otherwise (configurations.ts).
   */
  forwards: ForwardChoice[] | null;
  images: number;
  samples: number;
  scales: number;
  maxEps: number;
  alphas: number[];
  workers: number[];
  maxRunSeconds: number;
  minSeconds: number;
  out: string;
  /** Also run bench/pytorch/protocol.py (when python3-torch imports) and compare. */
  pytorch: boolean;
  /** Attacks whose gradient steps per second are measured on each model (--attacks; empty: none). */
  attacks: AttackName[];
  /** ddn and fmn steps per image for that (--attack-steps). */
  attackSteps: number;
  /** The long run of the real CLI (--long-run; long-run.ts); null: not run. */
  longRun: LongRunOptions | null;
  /** The rare-event estimator's cost (--rare-event; rare-event.ts); null: not measured. */
  rareEvent: RareEventBenchOptions | null;
  /** Peak RSS of listing and reading an IDX dataset at several sizes (--dataset-memory; dataset-memory.ts); null: not measured. */
  datasetMemory: DatasetMemoryOptions | null;
}

export const benchHelp = `npm run bench -- [options]      (or: node dist/bench.js [options] after a build)

Runs the paper's protocol on fixed models and images, per backend and forward engine, and prints
images/s, forward passes/s, GFLOP/s, the gradient/forward cost ratio, peak memory per worker, the
time per stage and the scaling with workers; marks the default configuration (what
\`robustness-lens check\` runs with no --backend/--forward); writes every number to <out>/<date>.json.

Models (--models, default all):
  demo          media/demo/model: the paper's Fashion-MNIST network at 1/4 width, trained (7 vs 8)
  fashion-vgg   bench/models/fashion-mnist-vgg: the paper's Fashion-MNIST network, full width (~0.15 GFLOP)
  cifar-vgg     the paper's CIFAR-10 network (32x32x3), seeded random weights, synthetic images
  mobilenet-v2  MobileNetV2 1.0 on 224x224x3, 5 classes (~0.6 GFLOP), seeded random weights, synthetic images
  or --model <model.json> --data <folder> [--labels <file>] to bench your own.

Options:
  --models a,b       which of the models above, or none (with --long-run: the long run alone)
  --backends a,b     wasm, cpu, tensorflow, tensorflow-gpu (default: every one installed)
  --forward a,b      what runs the forward passes, as the check's --forward: auto, onnxruntime, tfjs
                     (default: onnxruntime and tfjs on wasm and cpu where onnxruntime-node is
                     installed, tfjs on tensorflow and tensorflow-gpu); gradients run on the same engine
  --images N         images per protocol run (default 4)
  --samples N        random perturbations per image and alpha (default 200; the paper: 2000)
  --scales N         line-search steps (default 256)
  --max-eps X        largest line-search step, L2 pixel units (default 10)
  --alphas list      random-perturbation multiples (default 1,2,5,10)
  --workers list     worker counts to run with, for the scaling (default 1,<cores>)
  --max-run-seconds S  skip a protocol run whose estimate (from the timed forward pass) is longer (default 120)
  --min-seconds S    time each single measurement for at least this long (default 1)
  --out <dir>        where the JSON goes (default bench-results)
  --pytorch / --no-pytorch  run the same protocol in PyTorch (bench/pytorch/protocol.py, threads = the
                     largest worker count) and report ours/PyTorch images/s and the agreement of
                     eps* and flips (default: on when /usr/bin/python3 imports torch; env
                     ROBUSTNESS_LENS_BENCH_PYTHON names another interpreter)
  --attacks list     attacks timed in process on each model's default configuration: gradient
                     steps/s and images/s (default fgm-line,deepfool,ddn,fmn; none to skip)
  --attack-steps N   ddn and fmn steps per image for that (default 100, as a check's --steps)
  --long-run N       also run the real CLI (dist/cli.js) once on N generated 8x8 images with a tiny
                     TF.js model (--samples 100 --scales 64 --max-eps 4 --details 0 --no-universality),
                     and show per window of images: images/s, the workers' CPU-seconds (utime+stime
                     from /proc) and images per worker CPU-second (steady when the code's own cost
                     is, even while other jobs take the cores), the resident memory of the CLI and of
                     each worker (Linux; default: not run; docs/benchmarks.md runs 10000)
  --long-run-workers N  workers of the long run (default 2)
  --long-run-window N   images between two samples of the long run (default 1000)
  --rare-event       also measure the rare-event estimator (a check's --rare-event) at its budget:
                     forward passes per estimate (mean, median), the estimate, coverage and seconds
                     on a linear oracle in d = 2352 at exact p = 1e-2, 1e-5, 1e-10, 1e-20, 1e-30, and
                     on the demo network's images at each --alphas (default: not run)
  --rare-event-budget N  forward passes per estimate (default ${defaultRareEventBudget}, as a check's)
  --rare-event-seeds N   seeds per linear-oracle row (default 5)
  --rare-event-images N  demo images the attack flips, estimated at every alpha (default 8)
  --dataset-memory <file>  also measure the peak resident memory of the run host's dataset path and
                     of a worker's record reading on an IDX images file (its labels file beside
                     it), cut to each --dataset-memory-sizes: each size in a fresh process that
                     lists the dataset, hands out every task as the worker pool does and reads every
                     record (default: not run; docs/benchmarks.md runs Fashion-MNIST's
                     train-images-idx3-ubyte.gz)
  --dataset-memory-sizes list  images per measurement (default 10000,30000,60000)
  --help             this text

The batch size follows the workers' memory budget (env ROBUSTNESS_LENS_BATCH_MB, default 256).`;

export class BenchUsageError extends Error {}

function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new BenchUsageError(`${flag} needs a positive integer, got ${text ?? 'nothing'}`);
  return value;
}

function positiveNumber(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new BenchUsageError(`${flag} needs a positive number, got ${text ?? 'nothing'}`);
  return value;
}

function list(flag: string, text: string | undefined): string[] {
  const items = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BenchUsageError(`${flag} needs a comma-separated list`);
  return items;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions | 'help' {
  const cores = availableParallelism();
  const options: BenchOptions = {
    fixtures: [...fixtureNames],
    custom: null,
    backends: null,
    forwards: null,
    images: 4,
    samples: 200,
    scales: 256,
    maxEps: 10,
    alphas: [1, 2, 5, 10],
    workers: cores > 1 ? [1, cores] : [1],
    maxRunSeconds: 120,
    minSeconds: 1,
    out: 'bench-results',
    pytorch: true,
    attacks: ['fgm-line', 'deepfool', 'ddn', 'fmn'],
    attackSteps: 100,
    longRun: null,
    rareEvent: null,
    datasetMemory: null,
  };
  let datasetMemorySizes: number[] | undefined;
  let rareEventBudget: number | undefined;
  let rareEventSeeds: number | undefined;
  let rareEventImages: number | undefined;
  let longRunWorkers: number | undefined;
  let longRunWindow: number | undefined;
  let model: string | undefined;
  let data: string | undefined;
  let labels: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--models': {
        const names = list(flag, value());
        if (names.length === 1 && names[0] === 'none') { options.fixtures = []; break; }
        const unknown = names.filter((n) => !(fixtureNames as readonly string[]).includes(n));
        if (unknown.length) throw new BenchUsageError(`unknown model ${unknown.join(', ')} (one of ${fixtureNames.join(', ')}, or none)`);
        options.fixtures = names as FixtureName[];
        break;
      }
      case '--model': model = value(); break;
      case '--data': data = value(); break;
      case '--labels': labels = value(); break;
      case '--backends': {
        const names = list(flag, value());
        const unknown = names.filter((n) => !(autoOrder as readonly string[]).includes(n));
        if (unknown.length) throw new BenchUsageError(`unknown backend ${unknown.join(', ')} (one of ${autoOrder.join(', ')})`);
        options.backends = names as BackendName[];
        break;
      }
      case '--forward': {
        const names = [...new Set(list(flag, value()))];
        const unknown = names.filter((n) => !(forwardChoices as readonly string[]).includes(n));
        if (unknown.length) throw new BenchUsageError(`unknown forward engine ${unknown.join(', ')} (one of ${forwardChoices.join(', ')})`);
        options.forwards = names as ForwardChoice[];
        break;
      }
      case '--images': options.images = positiveInteger(flag, value()); break;
      case '--samples': options.samples = positiveInteger(flag, value()); break;
      case '--scales': options.scales = positiveInteger(flag, value()); break;
      case '--max-eps': options.maxEps = positiveNumber(flag, value()); break;
      case '--alphas': options.alphas = list(flag, value()).map((a) => positiveNumber(flag, a)); break;
      case '--workers': options.workers = [...new Set(list(flag, value()).map((w) => positiveInteger(flag, w)))].sort((a, b) => a - b); break;
      case '--max-run-seconds': options.maxRunSeconds = positiveNumber(flag, value()); break;
      case '--min-seconds': options.minSeconds = positiveNumber(flag, value()); break;
      case '--pytorch': options.pytorch = true; break;
      case '--no-pytorch': options.pytorch = false; break;
      case '--attacks': {
        const names = list(flag, value());
        if (names.length === 1 && names[0] === 'none') { options.attacks = []; break; }
        const unknown = names.filter((n) => !(attackNames as readonly string[]).includes(n));
        if (unknown.length) throw new BenchUsageError(`unknown attack ${unknown.join(', ')} (one of ${attackNames.join(', ')}, or none)`);
        options.attacks = names as AttackName[];
        break;
      }
      case '--attack-steps': options.attackSteps = positiveInteger(flag, value()); break;
      case '--long-run': options.longRun = { images: positiveInteger(flag, value()), workers: 0, window: 0 }; break;
      case '--long-run-workers': longRunWorkers = positiveInteger(flag, value()); break;
      case '--long-run-window': longRunWindow = positiveInteger(flag, value()); break;
      case '--rare-event': options.rareEvent = { budget: 0, seeds: 0, images: 0 }; break;
      case '--rare-event-budget': rareEventBudget = positiveInteger(flag, value()); break;
      case '--rare-event-seeds': rareEventSeeds = positiveInteger(flag, value()); break;
      case '--rare-event-images': rareEventImages = positiveInteger(flag, value()); break;
      case '--dataset-memory': {
        const file = value();
        if (!file) throw new BenchUsageError('--dataset-memory needs an IDX images file');
        options.datasetMemory = { file, sizes: [] };
        break;
      }
      case '--dataset-memory-sizes': datasetMemorySizes = list(flag, value()).map((n) => positiveInteger(flag, n)); break;
      case '--out': {
        const dir = value();
        if (!dir) throw new BenchUsageError('--out needs a folder');
        options.out = dir;
        break;
      }
      default:
        throw new BenchUsageError(`unknown option ${flag} (see --help)`);
    }
  }
  if ((model === undefined) !== (data === undefined)) throw new BenchUsageError('--model and --data go together');
  if (labels !== undefined && model === undefined) throw new BenchUsageError('--labels needs --model and --data');
  if (model !== undefined && data !== undefined) options.custom = { model, data, labels };
  if (!options.longRun && (longRunWorkers !== undefined || longRunWindow !== undefined)) throw new BenchUsageError('--long-run-workers and --long-run-window need --long-run');
  if (options.longRun) options.longRun = { ...options.longRun, workers: longRunWorkers ?? 2, window: longRunWindow ?? 1000 };
  if (!options.rareEvent && [rareEventBudget, rareEventSeeds, rareEventImages].some((v) => v !== undefined)) {
    throw new BenchUsageError('--rare-event-budget, --rare-event-seeds and --rare-event-images need --rare-event');
  }
  if (rareEventBudget !== undefined && rareEventBudget < minimumRareEventBudget) throw new BenchUsageError(`--rare-event-budget needs at least ${minimumRareEventBudget} forward passes, got ${rareEventBudget}`);
  if (options.rareEvent) options.rareEvent = { budget: rareEventBudget ?? defaultRareEventBudget, seeds: rareEventSeeds ?? 5, images: rareEventImages ?? 8 };
  if (!options.datasetMemory && datasetMemorySizes !== undefined) throw new BenchUsageError('--dataset-memory-sizes needs --dataset-memory');
  if (options.datasetMemory) options.datasetMemory = { ...options.datasetMemory, sizes: datasetMemorySizes ?? [10000, 30000, 60000] };
  return options;
}
