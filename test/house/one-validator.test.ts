/**
 * One rule per run setting (src/protocol/settings-rules.ts): the CLI's arguments, the extension's
 * settings and the worker's `init` give the same verdict on the same value, each naming the value
 * as its user gave it (--seed, robustnessLens.seed, seed).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../src/cli/args';
import { resolveSettings, SettingsError } from '../../src/extension/settings';
import type { EngineSettings, HostToWorker, WorkerToHost } from '../../src/protocol/messages';
import { WorkerSession } from '../../src/worker/session';

interface Case {
  what: string;
  /** Flags after check's required ones; the CLI may refuse a text before any rule sees a number (`-1` is not a whole number). */
  cli: string[];
  /** robustnessLens.* values. */
  extension: Record<string, unknown> | null;
  /** Overrides of the worker's `init` (settings, or backend); null: the worker has no such setting. */
  worker: { settings?: Partial<EngineSettings>; backend?: string } | null;
  /** The validator's line with the setting named by its field, or null: accepted. */
  problem: string | null;
  /** The field's name in `problem`, as the CLI and the extension spell it. */
  names?: { flag: string; setting: string; key: string };
}

const seed = { flag: '--seed', setting: 'robustnessLens.seed', key: 'seed' };
const samples = { flag: '--samples', setting: 'robustnessLens.samples', key: 'samples' };
const alphas = { flag: '--alphas', setting: 'robustnessLens.alphas', key: 'alphas' };
const maxEps = { flag: '--max-eps', setting: 'robustnessLens.maxEps', key: 'maxEps' };

const cases: Case[] = [
  { what: 'seed -1', cli: ['--seed', '-1'], extension: { seed: -1 }, worker: { settings: { seed: -1 } }, problem: 'seed must be a non-negative integer, got -1', names: seed },
  { what: 'seed 1.5', cli: ['--seed', '1.5'], extension: { seed: 1.5 }, worker: { settings: { seed: 1.5 } }, problem: 'seed must be a non-negative integer, got 1.5', names: seed },
  { what: 'seed NaN', cli: ['--seed', 'NaN'], extension: { seed: Number.NaN }, worker: { settings: { seed: Number.NaN } }, problem: 'seed must be a non-negative integer, got NaN', names: seed },
  { what: 'seed 3', cli: ['--seed', '3'], extension: { seed: 3 }, worker: { settings: { seed: 3 } }, problem: null },
  { what: 'samples 0', cli: ['--samples', '0'], extension: { samples: 0 }, worker: { settings: { samples: 0 } }, problem: 'samples must be a positive integer, got 0', names: samples },
  { what: 'scales 0', cli: ['--scales', '0'], extension: { scales: 0 }, worker: { settings: { scales: 0 } }, problem: 'scales must be a positive integer, got 0', names: { flag: '--scales', setting: 'robustnessLens.scales', key: 'scales' } },
  { what: 'maxEps -1', cli: ['--max-eps', '-1'], extension: { maxEps: -1 }, worker: { settings: { maxEps: -1 } }, problem: 'maxEps must be a positive number, got -1', names: maxEps },
  { what: 'maxEps Infinity', cli: ['--max-eps', 'Infinity'], extension: { maxEps: Infinity }, worker: { settings: { maxEps: Infinity } }, problem: 'maxEps must be a positive number, got Infinity', names: maxEps },
  { what: 'alphas empty', cli: ['--alphas', ','], extension: { alphas: [] }, worker: { settings: { alphas: [] } }, problem: 'alphas needs at least one value', names: alphas },
  { what: 'alphas negative', cli: ['--alphas', '1,-2'], extension: { alphas: [1, -2] }, worker: { settings: { alphas: [1, -2] } }, problem: 'alphas values must be positive numbers, got -2', names: alphas },
  { what: 'alphas twice', cli: ['--alphas', '2,2'], extension: { alphas: [2, 2] }, worker: { settings: { alphas: [2, 2] } }, problem: 'alphas lists a value twice', names: alphas },
  { what: 'alphas 0.5,3', cli: ['--alphas', '0.5,3'], extension: { alphas: [0.5, 3] }, worker: { settings: { alphas: [0.5, 3] } }, problem: null },
  {
    what: 'rare-event budget 100',
    cli: ['--rare-event', '--rare-event-budget', '100'],
    extension: { rareEventBudget: 100 },
    worker: { settings: { rareEventBudget: 100 } },
    problem: 'rareEventBudget must be an integer of at least 200 forward passes, got 100',
    names: { flag: '--rare-event-budget', setting: 'robustnessLens.rareEventBudget', key: 'rareEventBudget' },
  },
  { what: 'steps 0', cli: ['--steps', '0'], extension: { steps: 0 }, worker: { settings: { attackOptions: { steps: 0 } } }, problem: 'steps must be a positive integer, got 0', names: { flag: '--steps', setting: 'robustnessLens.steps', key: 'steps' } },
  {
    what: 'attack pgd',
    cli: ['--attack', 'pgd'],
    extension: { attack: 'pgd' },
    worker: { settings: { attack: 'pgd' as never } },
    problem: 'attack must be one of fgm-line, deepfool, ddn, fmn, best, got "pgd"',
    names: { flag: '--attack', setting: 'robustnessLens.attack', key: 'attack' },
  },
  {
    what: 'backend tpu',
    cli: ['--backend', 'tpu'],
    extension: { backend: 'tpu' },
    worker: { backend: 'tpu' },
    problem: 'backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, cuda, webgpu, got "tpu"',
    names: { flag: '--backend', setting: 'robustnessLens.backend', key: 'backend' },
  },
  { what: 'batch memory 0', cli: ['--batch-mb', '0'], extension: { batchMemoryMb: 0 }, worker: null, problem: 'batchMemoryMb must be a positive number, got 0', names: { flag: '--batch-mb', setting: 'robustnessLens.batchMemoryMb', key: 'batchMemoryMb' } },
  { what: 'workers 1.5', cli: ['--workers', '1.5'], extension: { workers: 1.5 }, worker: null, problem: 'workers must be a positive integer, got 1.5', names: { flag: '--workers', setting: 'robustnessLens.workers', key: 'workers' } },
  { what: 'workers 2', cli: ['--workers', '2'], extension: { workers: 2 }, worker: null, problem: null },
];

const named = (problem: string, names: Case['names'], as: 'flag' | 'setting' | 'key') => (names ? problem.replace(names.key, names[as]) : problem);

/** The CLI's verdict: null when parsed, else its one line. */
function cliVerdict(flags: string[]): string | null {
  try {
    parseArgs(['check', '--model', 'model.onnx', '--data', 'data', '--out', 'out', ...flags]);
    return null;
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
}

function extensionVerdict(values: Record<string, unknown>): string | null {
  try {
    resolveSettings({ get: <T>(key: string) => values[key] as T | undefined });
    return null;
  } catch (error) {
    assert.ok(error instanceof SettingsError, String(error));
    return error.message;
  }
}

/**
 * The worker's verdict on an `init`: its fatal error. The model file does not exist, so settings it
 * accepts end in the loader's error about the model instead of a setting's line.
 */
async function workerVerdict(override: NonNullable<Case['worker']>): Promise<string> {
  const sent: WorkerToHost[] = [];
  const exited = new Promise<void>((resolve) => {
    const session = new WorkerSession({ send: (message) => sent.push(message), exit: () => resolve(), log: () => {} });
    const init: HostToWorker = {
      type: 'init',
      modelPath: join(tmpdir(), 'robustness-lens-no-such-model', 'model.onnx'),
      backend: (override.backend ?? 'cpu') as never,
      forward: 'auto',
      settings: { attack: 'fgm-line', scales: 8, maxEps: 4, alphas: [1], samples: 4, seed: 0, clip: false, ...override.settings },
      classNames: [],
    };
    session.receive(init);
  });
  await exited;
  const error = sent.find((message) => message.type === 'error');
  assert.ok(error && error.type === 'error' && error.fatal, JSON.stringify(sent));
  return error.message;
}

describe('one validator for the run settings', () => {
  for (const entry of cases) {
    it(`${entry.what}: the same verdict from the CLI, the extension and the worker`, async () => {
      const cli = cliVerdict(entry.cli);
      if (entry.problem === null) assert.equal(cli, null);
      // A text the CLI cannot read as the number it needs is refused before the rule, naming the flag.
      else assert.ok(cli === named(entry.problem, entry.names, 'flag') || (cli?.startsWith(`${entry.names?.flag} must be a`) ?? false), `CLI: ${cli}`);
      if (entry.extension) {
        const extension = extensionVerdict(entry.extension);
        assert.equal(extension, entry.problem === null ? null : `Setting ${named(entry.problem, entry.names, 'setting')}`);
      }
      if (entry.worker) {
        const worker = await workerVerdict(entry.worker);
        if (entry.problem === null) assert.match(worker, /^model file not found: /);
        else assert.equal(worker, entry.problem);
      }
    });
  }

  it('the CLI refuses what the shared rules refuse when the text is a number (not only its own parse)', () => {
    assert.equal(cliVerdict(['--samples', '0']), '--samples must be a positive integer, got 0');
    assert.equal(cliVerdict(['--alphas', '1,-2']), '--alphas values must be positive numbers, got -2');
  });
});
