/**
 * `npm run bench`: the protocol's speed on fixed models, per backend, forward engine and worker
 * count. Progress on stderr, the table on stdout, every number in <out>/<date>.json. See
 * options.ts for the flags, configurations.ts for what is measured and which is the default.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TfBackendName as BackendName, ForwardChoice } from '../protocol/report';
import { tool } from '../run/version';
import { autoOrder, loadBackend, nativeModulesEnv, resolveOptionalPackage } from '../worker/backends';
import { batchMegabytes } from '../worker/batch-size';
import { fileSystemHandler } from '../worker/model/file-io';
import { autoForward, defaultBackend, forwardsToMeasure, isDefaultConfiguration, onnxRuntimeVersion, type DefaultConfiguration } from './configurations';
import { prepareFixture, type Fixture } from './fixtures';
import { countFlops } from './flops';
import { layerShapesOf } from './layer-shapes';
import { measureMicro } from './micro';
import { formatAttackSteps, measureAttackSteps, type AttackStepsSection } from './attack-steps';
import { formatLongRun, runLongRun } from './long-run';
import { formatRareEvent, measureRareEvent } from './rare-event';
import { datasetMemoryPass, datasetMemoryPassEnv, formatDatasetMemory, measureDatasetMemory } from './dataset-memory';
import { benchHelp, BenchUsageError, parseBenchArgs, type BenchOptions } from './options';
import { runProtocol, type MeasurementSettings } from './protocol-run';
import { comparePyTorch, formatPyTorch, pytorchAvailability, pythonPath, runOutDir, type PyTorchSection } from './pytorch';
import { forwardLabel, formatResults, machineInfo, type BenchResults, type ModelResult } from './results';

const log = (line: string) => process.stderr.write(`${line}\n`);

function installedBackends(): BackendName[] {
  const native = { 'tensorflow-gpu': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' } as const;
  return autoOrder.filter((name) => {
    if (name === 'wasm' || name === 'cpu') return true;
    return resolveOptionalPackage(native[name], process.env[nativeModulesEnv]) !== null;
  });
}

interface ModelFacts {
  inputShape: number[];
  parameters: number;
  flops: number;
  uncounted: string[];
}

async function modelFacts(modelPath: string): Promise<ModelFacts> {
  const model = await tfl.loadLayersModel(fileSystemHandler(modelPath));
  try {
    const count = countFlops(layerShapesOf(model));
    const shape = model.inputs[0].shape.slice(1) as number[];
    return { inputShape: shape, parameters: model.countParams(), flops: count.total, uncounted: count.uncounted };
  } finally {
    model.dispose();
  }
}

/** Seconds a protocol run should take, from the timed forward passes (line search taken as half the scales). */
function estimateSeconds(result: ModelResult, settings: MeasurementSettings, workers: number): number {
  const micro = result.micro;
  if (!micro) return 0;
  const perImageMs = micro.gradientMs + (settings.scales / 2 + settings.samples * settings.alphas.length) * micro.forwardMsPerImage;
  return (settings.images * perImageMs) / 1000 / Math.min(workers, settings.images);
}

async function benchConfiguration(
  fixture: Fixture,
  facts: ModelFacts,
  backend: BackendName,
  forwardChoice: ForwardChoice,
  defaults: DefaultConfiguration,
  options: BenchOptions,
  settings: MeasurementSettings,
  workDir: string,
): Promise<ModelResult> {
  const result: ModelResult = {
    ...emptyResult(fixture, backend, forwardChoice),
    inputShape: facts.inputShape,
    parameters: facts.parameters,
    flopsPerForward: facts.flops,
    uncountedLayers: facts.uncounted,
  };
  const name = () => `${fixture.name} on ${backend} · forward ${forwardLabel(result)}`;
  try {
    log(`${name()}: timing forward passes and the input gradient`);
    const timed = await measureMicro(fixture.model, backend, forwardChoice, settings.samples, settings.alphas, { minSeconds: options.minSeconds, minRepeats: 3 });
    result.micro = timed.micro;
    result.forward = timed.micro.forward;
    result.forwardNote = timed.note;
    result.isDefault = isDefaultConfiguration(defaults, fixture.name, backend, result.forward);
    result.forwardGflops = facts.flops / (result.micro.forwardMsPerImage / 1000) / 1e9;
  } catch (error) {
    result.error = `timing failed: ${(error as Error).message.split('\n')[0]}`;
    return result;
  }
  for (const workers of options.workers) {
    const estimate = estimateSeconds(result, settings, workers);
    if (estimate > options.maxRunSeconds) {
      result.skipped.push({ workers, reason: `estimated ${estimate.toFixed(0)} s > --max-run-seconds ${options.maxRunSeconds}` });
      log(`${name()}, ${workers} worker(s): skipped (estimated ${estimate.toFixed(0)} s)`);
      continue;
    }
    log(`${name()}, ${workers} worker(s): running the protocol on ${settings.images} images (estimated ${estimate.toFixed(0)} s)`);
    try {
      const target = { model: fixture.model, data: fixture.data, labels: fixture.labels, backend, forward: forwardChoice, flopsPerForward: facts.flops };
      result.runs.push(await runProtocol(target, settings, workers, runOutDir(workDir, fixture.name, backend, forwardChoice, workers)));
    } catch (error) {
      result.skipped.push({ workers, reason: `run failed: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  const single = result.runs.find((run) => run.workers === 1);
  for (const run of result.runs) run.speedup = single ? run.imagesPerSecond / single.imagesPerSecond : null;
  return result;
}

/** What `robustness-lens check` runs here with no --backend/--forward, per model. */
async function defaultConfiguration(fixtures: readonly Fixture[]): Promise<DefaultConfiguration> {
  const backend = await defaultBackend();
  const forward = [];
  for (const fixture of fixtures) {
    const resolved = backend === null ? { forward: null, note: 'no backend loads' } : await autoForward(fixture.model, backend);
    forward.push({ model: fixture.name, ...resolved });
  }
  return { backend, forward };
}

export async function runBench(options: BenchOptions, command: string): Promise<{ results: BenchResults; path: string }> {
  const settings: MeasurementSettings = {
    images: options.images,
    samples: options.samples,
    scales: options.scales,
    maxEps: options.maxEps,
    alphas: options.alphas,
    seed: 0,
  };
  const outDir = resolve(options.out);
  const workDir = join(outDir, 'work');
  mkdirSync(workDir, { recursive: true });
  // Fixtures are generated and FLOPs counted with the bundled TF.js, on wasm.
  await loadBackend('wasm');
  const fixtures: Fixture[] = options.custom
    ? [{ name: 'custom', model: resolve(options.custom.model), data: resolve(options.custom.data), labels: options.custom.labels && resolve(options.custom.labels), description: options.custom.model }]
    : await Promise.all(options.fixtures.map((name) => prepareFixture(name, workDir, options.images)));
  const installed = installedBackends();
  const backends = options.backends ?? installed;
  const onnxRuntime = onnxRuntimeVersion();
  log('finding the default configuration (--backend auto, --forward auto)');
  const defaults = await defaultConfiguration(fixtures);
  const results: ModelResult[] = [];
  for (const backend of backends) {
    const forwards = forwardsToMeasure(backend, options.forwards, onnxRuntime !== null);
    for (const fixture of fixtures) {
      if (!installed.includes(backend)) {
        for (const forward of forwards) results.push({ ...emptyResult(fixture, backend, forward), error: `backend ${backend} is not installed` });
        continue;
      }
      const facts = await modelFacts(fixture.model);
      for (const forward of forwards) results.push(await benchConfiguration(fixture, facts, backend, forward, defaults, options, settings, workDir));
    }
  }
  const pytorch = options.pytorch ? await pytorchSection(fixtures, results, settings, Math.max(...options.workers), workDir) : undefined;
  const attacks = await attackStepsSections(fixtures, results, options, settings);
  const longRun = options.longRun ? await runLongRun(options.longRun, workDir, log) : undefined;
  const rareEvent = options.rareEvent ? await measureRareEvent(options.rareEvent, options.alphas, settings, log) : undefined;
  const datasetMemory = options.datasetMemory ? await measureDatasetMemory(options.datasetMemory, workDir, log) : undefined;
  const date = new Date().toISOString();
  const bench: BenchResults = {
    tool: 'robustness-lens bench',
    version: tool.version,
    date,
    command,
    machine: machineInfo(backends.filter((b) => installed.includes(b)), onnxRuntime),
    settings: { ...settings, workers: options.workers, forwards: options.forwards, maxRunSeconds: options.maxRunSeconds, batchMegabytes: batchMegabytes() },
    defaultConfiguration: defaults,
    results,
    ...(pytorch ? { pytorch } : {}),
    ...(attacks.length ? { attacks } : {}),
    ...(longRun ? { longRun } : {}),
    ...(rareEvent ? { rareEvent } : {}),
    ...(datasetMemory ? { datasetMemory } : {}),
  };
  const path = join(outDir, `${date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(path, `${JSON.stringify(bench, null, 2)}\n`);
  return { results: bench, path };
}

async function pytorchSection(
  fixtures: readonly Fixture[],
  results: readonly ModelResult[],
  settings: MeasurementSettings,
  threads: number,
  workDir: string,
): Promise<PyTorchSection> {
  const python = pythonPath();
  const availability = pytorchAvailability(python);
  if ('reason' in availability) {
    log(`against PyTorch: ${availability.reason}`);
    return { available: false, reason: availability.reason };
  }
  const comparisons = [];
  for (const fixture of fixtures) {
    log(`${fixture.name} in PyTorch ${availability.torch}, ${threads} thread(s): running the protocol on ${settings.images} images`);
    comparisons.push(await comparePyTorch(fixture, results, settings, threads, workDir, python));
  }
  return { available: true, python, torch: availability.torch, randomSet: `the engine's (seed ${settings.seed})`, comparisons };
}

/** Each attack of --attacks on each model, on its default configuration (else its first that ran). */
async function attackStepsSections(fixtures: readonly Fixture[], results: readonly ModelResult[], options: BenchOptions, settings: MeasurementSettings): Promise<AttackStepsSection[]> {
  const sections: AttackStepsSection[] = [];
  if (options.attacks.length === 0) return sections;
  for (const fixture of fixtures) {
    const measured = results.filter((r) => r.model === fixture.name && r.error === null);
    const row = measured.find((r) => r.isDefault) ?? measured[0];
    if (!row) continue;
    log(`${fixture.name} on ${row.backend} · forward ${row.forwardChoice}: timing ${options.attacks.join(', ')} on ${settings.images} images`);
    try {
      const backend = row.backend === 'onnxruntime' ? 'auto' : row.backend;
      const target = { name: fixture.name, model: fixture.model, data: fixture.data, ...(fixture.labels ? { labels: fixture.labels } : {}), backend, forward: row.forwardChoice } as const;
      sections.push(await measureAttackSteps(target, options.attacks, { images: settings.images, scales: settings.scales, maxEps: settings.maxEps, steps: options.attackSteps }));
    } catch (error) {
      log(`${fixture.name}: attack timing failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return sections;
}

function emptyResult(fixture: Fixture, backend: BackendName, forwardChoice: ForwardChoice): ModelResult {
  return {
    model: fixture.name,
    description: fixture.description,
    backend,
    forwardChoice,
    forward: null,
    forwardNote: null,
    isDefault: false,
    inputShape: [],
    parameters: 0,
    flopsPerForward: 0,
    uncountedLayers: [],
    micro: null,
    forwardGflops: null,
    runs: [],
    skipped: [],
    error: null,
  };
}

async function main(): Promise<void> {
  const datasetPass = process.env[datasetMemoryPassEnv];
  if (datasetPass) {
    process.stdout.write(`${JSON.stringify(await datasetMemoryPass(datasetPass))}\n`);
    return;
  }
  let options: BenchOptions | 'help';
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    log(`bench: ${error.message}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${benchHelp}\n`);
    return;
  }
  const { results, path } = await runBench(options, ['npm run bench --', ...process.argv.slice(2)].join(' '));
  process.stdout.write(`${formatResults(results)}${formatPyTorch(results.pytorch)}${formatAttackSteps(results.attacks ?? [])}${formatLongRun(results.longRun)}${formatRareEvent(results.rareEvent)}${formatDatasetMemory(results.datasetMemory)}\n\nwritten to ${path}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    log(`bench: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exit(1);
  });
}
