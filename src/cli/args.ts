/**
 * The command line (CONTRACT.md "Command line"), parsed without side effects: argv in, a command
 * or a UsageError (exit status 2) out.
 */
import { checkDefaults } from '../run/defaults';
import { isPreprocessPreset, preprocessPresets, type PreprocessPreset, type Preprocessing } from '../protocol/preprocessing';
import type { AttackName } from '../engine/attacks/names';
import type { BackendChoice, ForwardChoice } from '../protocol/report';
import type { CheckOptions } from '../run/types';
import { attackOptionRules, type AttackOptions } from '../engine/attacks/options';
import { checkOptionsProblem } from '../run/validate';
import { modelNameProblem } from '../worker/model/model-formats';

export type Command =
  | { kind: 'check'; options: CheckOptions; verbose: boolean }
  | { kind: 'merge'; out: string; shards: string[]; details?: number }
  | { kind: 'help'; text: string }
  | { kind: 'version' };

export class UsageError extends Error {}

export const defaults = checkDefaults;

export const usage = `Usage:
  robustness-lens check --model <model> --data <dataset> --out <dir> [options]
  robustness-lens merge --out <dir> <shard-dir>...
  robustness-lens compare <run-a> <run-b> --out <dir>
  robustness-lens gate <run> [--baseline <run>] [gates] [--junit <file>]
  robustness-lens --help | --version

check: for each image of <folder>/<class>/<image>, the smallest adversarial perturbation the
attack finds, and how often random perturbations alpha times larger flip the prediction.

Options of check:
  --model <file>       the classifier: an ONNX file (.onnx, from torch.onnx.export or tf2onnx:
                       NCHW or NHWC input, fixed or dynamic batch, external data beside it),
                       a Keras file (.keras from Keras 3, .h5 from Keras 2; read without
                       TensorFlow), a TF.js model.json (layers or graph model), or a TensorFlow
                       SavedModel folder (needs --backend tensorflow)             (required)
  --preprocess <name>  what the model expects of RGB pixels in [0,1], folded into the model so
                       norms stay in pixel units: unit ([0,1]), symmetric ([-1,1]), 255 (0-255),
                       imagenet (torchvision's mean/std on [0,1]), caffe (BGR, ImageNet means on
                       0-255)                                            (default: unit)
  --mean <list>        per-channel means subtracted after the preset's scaling (one value, or
                       one per channel), replacing the preset's          (default: the preset's)
  --std <list>         per-channel standard deviations divided by        (default: the preset's)
  --data <folder>      dataset: a folder with one sub-folder per class (PNG, JPEG, WebP, GIF,
                       TIFF, BMP, PPM/PGM), a folder with a file,label CSV, an MNIST IDX file
                       (.gz or not), a CIFAR-10/100 .bin batch, a .npy images array, an .npz
                       or an HDF5 .h5/.hdf5 file with images and labels datasets (name one of
                       several with file.npz#x_test, file.h5#x_test)               (required)
  --out <dir>          output folder, created if missing; a rerun resumes it       (required)
  --labels <file>      class names, one a line, in model output order   (default: sorted folder names)
                       (for an array dataset: the names of label values 0, 1, ...)
  --data-labels <file> labels of an array dataset (IDX labels file, labels .npy; for HDF5 a
                       labels .npy or an HDF5 file with a labels dataset)
                       (default: the sibling file, e.g. t10k-labels-idx1-ubyte.gz beside t10k-images-idx3-ubyte.gz)
  --classes <list>     analyse only these classes, comma list of names or indices of the data's
                       classes; their order is the model's output order (7,8: 7 is output 0)  (default: all)
  --attack <name>      fgm-line (the paper's gradient line search); deepfool, ddn or fmn (smaller
                       perturbations on non-linear models; not the paper's protocol); best (all
                       four, keeping the smallest perturbation per image)  (default: fgm-line)
  --steps <n>          gradient steps of ddn and fmn per image          (default: 100)
  --ddn-gamma <x>      ddn's norm step: eps <- (1 -+ gamma) eps, in (0,1) (default: 0.05)
  --ddn-init-eps <x>   ddn's initial norm, pixel units                  (default: 1)
  --fmn-alpha <x>      fmn's initial step size, cosine-annealed         (default: 1)
  --fmn-alpha-final <x>  fmn's final step size                   (default: fmn-alpha / 100)
  --fmn-gamma <x>      fmn's initial norm step, in (0,1), cosine-annealed  (default: 0.05)
  --fmn-gamma-final <x>  fmn's final norm step, in (0,1)                (default: 0.001)
  --refine             bisect fgm-line's flipping scale to 1e-4 relative instead of reading it
                       off the --scales grid (the other attacks always do)  (default: off)
  --random-per-attack  with --attack best: random perturbations at every attack's eps* too, not
                       only the smallest (the random stage's cost times up to four)  (default: off)
  --alphas <list>      comma list of random-perturbation multiples      (default: 1,2,5,10)
  --samples <n>        random perturbations per image and alpha         (default: 2000)
  --scales <n>         line-search steps                                (default: 256)
  --max-eps <x>        largest L2 step of the line search, pixel units  (default: 10)
  --limit <n>          analyse only the first n images in sorted path order  (default: all)
  --sample <n>         analyse n images spread evenly over the sorted order, so every
                       class is represented (after --limit)              (default: all)
  --seed <n>           seed for the random perturbations                (default: 0)
  --clip               clip perturbed images to [0,1]                   (default: off, the paper's protocol)
  --rare-event         also estimate each alpha's flip probability far below 1/samples, with a
                       95 % interval (multilevel splitting on the logit margin)  (default: off)
  --rare-event-budget <n>  forward passes per image and alpha for it    (default: 20000)
  --backend <name>     auto, tensorflow-gpu, tensorflow, wasm, cpu (TF.js backends); cuda or
                       webgpu (ONNX Runtime's GPU execution providers)  (default: auto)
  --forward <name>     what runs the model, forward passes and gradients: auto (ONNX Runtime
                       when the model translates to ONNX, except on the native TensorFlow
                       backends), onnxruntime, tfjs (TF.js models only)
                                                                   (default: auto)
  --workers <n>        compute processes                                (default: number of cores)
  --shard <i/n>        analyse shard i of n (0-based): images whose index % n == i; join with merge
  --details <n>        susceptible images with a detail view in report.html  (default: 24)
  --batch-mb <x>       memory budget of one forward batch per worker, MB   (default: 256)
  --fresh              discard the results already in --out instead of resuming them
  --universality       always measure universality (the paper's Theorem 8: each susceptible
                       image's perturbation tried on the other images of its class); by default
                       it runs only when it costs under 10 % of the run
  --no-universality    never measure it
  --universality-targets <n>  most target images sampled per class for it  (default: 200)
  --verbose            also print what the workers log

Options of merge:
  --out <dir>          output folder for the merged report                         (required)
  --details <n>        susceptible images with a detail view in report.html  (default: 24)

compare: two runs side by side (a run is its output folder or its report.json): writes
<dir>/compare.json and the standalone <dir>/compare.html (Table 1 with deltas, the ε*
distributions overlaid, the ratio ε*_b / ε*_a per image analysed in both).

Options of gate (rates as fractions, 0.05, or percentages, 5%):
  --min-median-eps <x>           median adversarial L2 norm ε* at least x (passes when no image
                                 is susceptible)
  --max-adversarial-rate <r>     adversarial susceptibility at most r
  --max-random-rate <a:r,...>    random susceptibility at alpha a at most r, e.g. 2:0.01,10:0.2
  --min-accuracy <r>             accuracy at least r
  --baseline <run>               a run to hold this one against, for the three gates below
  --max-accuracy-drop <r>        accuracy at most r below the baseline's
  --max-median-eps-drop <r>      median ε* at most the fraction r below the baseline's
  --max-adversarial-rate-increase <r>  adversarial susceptibility at most r above the baseline's
  --junit <file>                 also write the verdicts as JUnit XML (one testcase per gate)
A cancelled or empty run fails the gate. gate exits 3 when a gate fails, naming it on one line.

Exit status: 0 done, 1 run error, 2 bad arguments, 3 a gate failed, 130 interrupted (finished images are kept).`;

export type FlagKind = 'string' | 'boolean';

const checkFlags: Record<string, FlagKind> = {
  '--model': 'string',
  '--data': 'string',
  '--out': 'string',
  '--labels': 'string',
  '--data-labels': 'string',
  '--classes': 'string',
  '--attack': 'string',
  '--steps': 'string',
  '--ddn-gamma': 'string',
  '--ddn-init-eps': 'string',
  '--fmn-alpha': 'string',
  '--fmn-alpha-final': 'string',
  '--fmn-gamma': 'string',
  '--fmn-gamma-final': 'string',
  '--refine': 'boolean',
  '--random-per-attack': 'boolean',
  '--alphas': 'string',
  '--samples': 'string',
  '--scales': 'string',
  '--max-eps': 'string',
  '--limit': 'string',
  '--sample': 'string',
  '--seed': 'string',
  '--clip': 'boolean',
  '--rare-event': 'boolean',
  '--rare-event-budget': 'string',
  '--backend': 'string',
  '--forward': 'string',
  '--preprocess': 'string',
  '--mean': 'string',
  '--std': 'string',
  '--workers': 'string',
  '--shard': 'string',
  '--details': 'string',
  '--batch-mb': 'string',
  '--fresh': 'boolean',
  '--verbose': 'boolean',
  '--universality': 'boolean',
  '--no-universality': 'boolean',
  '--universality-targets': 'string',
};

const mergeFlags: Record<string, FlagKind> = { '--out': 'string', '--details': 'string' };

export function parseArgs(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('missing command: check or merge');
  if (command === '--help' || command === '-h' || command === 'help') return { kind: 'help', text: usage };
  if (command === '--version' || command === '-v' || command === '-V') return { kind: 'version' };
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', text: usage };
  if (command === 'check') return parseCheck(rest);
  if (command === 'merge') return parseMerge(rest);
  throw new UsageError(command.startsWith('-') ? `unknown option ${command} before the command (check, merge, compare or gate)` : `unknown command "${command}" (check, merge, compare or gate)`);
}

function parseCheck(argv: readonly string[]): Command {
  const { flags, positionals } = readFlags(argv, checkFlags);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (check takes only options)`);
  for (const required of ['--model', '--data', '--out']) {
    if (flags.get(required) === undefined) throw new UsageError(`${required} is required`);
  }
  const text = (name: string) => flags.get(name) as string | undefined;
  const optional = <T>(name: string, parse: (value: string, name: string) => T): T | undefined => {
    const value = text(name);
    return value === undefined ? undefined : parse(value, name);
  };
  const workers = text('--workers');
  // Texts are typed here and checked with every other value by checkOptionsProblem (settingsProblem's rules).
  const options: CheckOptions = {
    model: text('--model') as string,
    data: text('--data') as string,
    out: text('--out') as string,
    labels: text('--labels'),
    dataLabels: text('--data-labels'),
    classes: optional('--classes', parseNameList),
    attack: (text('--attack') ?? defaults.attack) as AttackName,
    attackOptions: parseAttackOptions(flags),
    alphas: optional('--alphas', parseNumberList) ?? defaults.alphas,
    samples: optional('--samples', parseInteger) ?? defaults.samples,
    scales: optional('--scales', parseInteger) ?? defaults.scales,
    maxEps: optional('--max-eps', parseNumber) ?? defaults.maxEps,
    limit: optional('--limit', parseInteger),
    sample: optional('--sample', parseInteger),
    seed: optional('--seed', parseInteger) ?? defaults.seed,
    clip: flags.get('--clip') === true,
    rareEvent: flags.get('--rare-event') === true ? true : undefined,
    rareEventBudget: optional('--rare-event-budget', parseInteger),
    backend: (text('--backend') ?? defaults.backend) as BackendChoice,
    forward: (text('--forward') ?? defaults.forward) as ForwardChoice,
    preprocessing: parsePreprocessing(flags),
    workers: workers === undefined || workers === 'auto' ? undefined : parseInteger(workers, '--workers'),
    shard: optional('--shard', parseShard),
    details: optional('--details', parseInteger),
    batchMemoryMb: optional('--batch-mb', parseNumber),
    fresh: flags.get('--fresh') === true,
    universality: universalityMode(flags.get('--universality') === true, flags.get('--no-universality') === true),
    universalityTargets: optional('--universality-targets', parseInteger),
  };
  for (const key of Object.keys(options) as (keyof CheckOptions)[]) if (options[key] === undefined) delete options[key];
  const problem = checkOptionsProblem(options) ?? modelPathProblem(options.model);
  if (problem) throw new UsageError(problem);
  return { kind: 'check', options, verbose: flags.get('--verbose') === true };
}

function universalityMode(on: boolean, off: boolean): CheckOptions['universality'] {
  if (on && off) throw new UsageError('--universality and --no-universality contradict each other');
  return on ? 'on' : off ? 'off' : undefined;
}

function parseMerge(argv: readonly string[]): Command {
  const { flags, positionals } = readFlags(argv, mergeFlags);
  const out = flags.get('--out');
  if (typeof out !== 'string') throw new UsageError('--out is required');
  if (positionals.length === 0) throw new UsageError('merge needs the shard output folders to merge');
  const detailsText = flags.get('--details');
  const details = typeof detailsText === 'string' ? parseInteger(detailsText, '--details') : undefined;
  return details === undefined ? { kind: 'merge', out, shards: positionals } : { kind: 'merge', out, shards: positionals, details };
}

/** `--name value` and `--name=value`; each flag at most once; `--` ends the options. */
export function readFlags(argv: readonly string[], known: Record<string, FlagKind>): { flags: Map<string, string | true>; positionals: string[] } {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals < 0 ? arg : arg.slice(0, equals);
    const kind = known[name];
    if (kind === undefined) throw new UsageError(`unknown option ${name}`);
    if (flags.has(name)) throw new UsageError(`${name} given twice`);
    if (kind === 'boolean') {
      if (equals >= 0) throw new UsageError(`${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = equals >= 0 ? arg.slice(equals + 1) : argv[++i];
    if (value === undefined || (equals < 0 && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
    if (value === '') throw new UsageError(`${name} needs a value`);
    flags.set(name, value);
  }
  return { flags, positionals };
}

const integerPattern = /^[+]?\d+$/;
const numberPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

export function parseInteger(value: string, name: string): number {
  const parsed = Number(value);
  if (!integerPattern.test(value.trim()) || !Number.isSafeInteger(parsed)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

export function parseNumber(value: string, name: string): number {
  if (!numberPattern.test(value.trim())) throw new UsageError(`${name} must be a number, got "${value}"`);
  return Number(value);
}

function parseNumberList(value: string, name: string): number[] {
  return value.split(',').map((part) => {
    if (part.trim() === '') throw new UsageError(`${name} must be a comma list of numbers, got "${value}"`);
    return parseNumber(part, name);
  });
}

/** A comma list of class names or indices; entries are trimmed and must not be empty. */
function parseNameList(value: string, name: string): string[] {
  const entries = value.split(',').map((part) => part.trim());
  if (entries.some((entry) => entry === '')) throw new UsageError(`${name} must be a comma list of class names or indices, got "${value}"`);
  return entries;
}

function parsePreprocessing(flags: Map<string, string | true>): Preprocessing | undefined {
  const preset = flags.get('--preprocess');
  const mean = flags.get('--mean');
  const std = flags.get('--std');
  if (preset === undefined && mean === undefined && std === undefined) return undefined;
  if (preset !== undefined && !isPreprocessPreset(preset)) throw new UsageError(`--preprocess must be one of ${preprocessPresets.join(', ')}, got "${String(preset)}"`);
  const preprocessing: Preprocessing = { preset: (preset as PreprocessPreset | undefined) ?? 'unit' };
  if (typeof mean === 'string') preprocessing.mean = parseNumberList(mean, '--mean');
  if (typeof std === 'string') preprocessing.std = parseNumberList(std, '--std');
  if (preprocessing.std?.some((v) => v === 0)) throw new UsageError('--std values must not be 0');
  return preprocessing;
}

/** The attack options given (--steps, --ddn-*, --fmn-*, --refine); --fmn-alpha-final follows --fmn-alpha. Range checks: validate.ts. */
function parseAttackOptions(flags: Map<string, string | true>): Partial<AttackOptions> | undefined {
  const options: Partial<Record<keyof AttackOptions, number | boolean>> = {};
  for (const key of Object.keys(attackOptionRules) as (keyof AttackOptions)[]) {
    const flag = attackOptionRules[key].flag;
    const value = flags.get(flag);
    if (value === undefined) continue;
    options[key] = value === true ? true : key === 'steps' ? parseInteger(value, flag) : parseNumber(value, flag);
  }
  if (typeof options.fmnAlpha === 'number' && options.fmnAlphaFinal === undefined) options.fmnAlphaFinal = options.fmnAlpha / 100;
  return Object.keys(options).length > 0 ? (options as Partial<AttackOptions>) : undefined;
}

function parseShard(value: string, name: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!match) throw new UsageError(`${name} must be i/n, e.g. 0/4, got "${value}"`);
  return { index: Number(match[1]), count: Number(match[2]) };
}

/** A --model whose name alone shows it is another format (a PyTorch file, a SavedModel's .pb), with what to give instead. */
function modelPathProblem(model: string): string | null {
  const problem = modelNameProblem(model);
  return problem && `--model: ${problem}`;
}
