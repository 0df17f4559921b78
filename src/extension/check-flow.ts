/**
 * The "Check Random vs Adversarial Robustness" command up to the point where a run starts: it asks
 * only what it does not know (model, dataset folder, preset), checks the dataset's classes
 * against the model, and plans the run folder.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { defaultAttack } from '../engine/attacks/names';
import type { CheckOptions } from '../run/types';
import { checkClasses, classFolders, readLabelNames } from './class-check';
import { fileFormatOfName, modelFormatById, modelFormatsInWords, modelOutputsAt as readModelOutputs, modelPathOfFile } from '../worker/model/model-formats';
import { pickDataset, pickLabelsFile, pickModel } from './pickers';
import type { KeyValueStore, Log, Ui, WorkspaceInfo } from './ports';
import { askCustom, fromSettings, paper, parseClassList, pickPreset, quickLook, type EngineChoice, type PresetName } from './presets';
import { listDataset } from '../run/dataset';
import { datasetFormatOf, looksLikeDatasetFile } from '../run/datasets/index';
import { newRunId, resolveRunsDirectory, type RunInfo } from './run-storage';
import type { ExtensionSettings } from './settings';

export interface FlowDeps {
  ui: Ui;
  workspace: WorkspaceInfo;
  state: KeyValueStore;
  log: Log;
  settings: ExtensionSettings;
  /** Where runs go when no workspace folder is open (the extension's global storage). */
  fallbackFolder: string;
  /** The extension's dist/ folder (worker bundle, report assets). */
  distDir: string;
  now(): Date;
}

/** What the user already gave: an explorer resource, or a run to repeat. */
export interface FlowStart {
  model?: string;
  data?: string;
}

export interface CheckPlan {
  options: CheckOptions;
  runId: string;
  runsDir: string;
  preset: PresetName | 'resume' | 'rerun';
  /** The preset the engine settings come from: the one picked, or a resumed or repeated run's own (null: none, e.g. a CLI run). */
  settingsPreset: PresetName | null;
  classes: string[];
}

/** Splits an explorer resource into what it gives: a model file, a SavedModel folder, a folder holding model.json, or a dataset folder. */
export function startFromResource(resource: string | undefined): FlowStart {
  if (!resource) return {};
  const info = statSync(resource, { throwIfNoEntry: false });
  if (!info) throw new Error(`${resource} does not exist`);
  if (info.isFile()) {
    if (modelPathOfFile(resource) !== resource) return { model: modelPathOfFile(resource) };
    if (!fileFormatOfName(resource) && looksLikeDatasetFile(resource)) return { data: resource };
    if (!fileFormatOfName(resource)) throw new Error(`${resource} is not a model file: expected ${modelFormatsInWords}`);
    return { model: resource };
  }
  if (existsSync(join(resource, modelFormatById('saved-model').marker!))) return { model: resource };
  const inner = join(resource, 'model.json');
  return existsSync(inner) ? { model: inner } : { data: resource };
}

/** Runs the pickers and checks; undefined when the user dismissed a picker. Throws a one-line Error when the inputs cannot work. */
export async function planCheck(deps: FlowDeps, start: FlowStart): Promise<CheckPlan | undefined> {
  const model = start.model ?? (await pickModel(deps));
  if (!model) return undefined;
  const data = start.data ?? (await pickDataset(deps, model));
  if (!data) return undefined;

  if ((await datasetFormatOf(data)) !== null) return planArrayCheck(deps, model, data);
  const folders = await classFolders(data);
  const outputs = await readModelOutputs(model);
  if (outputs === null) deps.log.line(`${model} does not state its output count; the worker checks the classes when it loads the model.`);
  let labels: string | undefined;
  let classes: string[];
  try {
    classes = checkClasses(folders, outputs).classes;
  } catch (error) {
    // A model with more outputs than class folders needs a labels file to place each folder.
    if (!outputs || folders.length === 0 || folders.length >= outputs.classes) throw error;
    const choice = await deps.ui.error(`${(error as Error).message}. Give a labels file (class names in model output order) to map the folders to outputs.`, 'Choose Labels File…');
    if (choice === undefined) return undefined;
    labels = await pickLabelsFile(deps.ui, data);
    if (!labels) return undefined;
    classes = checkClasses(folders, outputs, readLabelNames(labels)).classes;
  }

  const preset = await pickPreset(deps.ui, deps.state, deps.settings, await countImages(data, folders));
  if (!preset) return undefined;
  const choice = preset === 'quick' ? quickLook(deps.settings) : preset === 'paper' ? paper(deps.settings) : await askCustom(deps.ui, deps.settings, data);
  if (!choice) return undefined;
  if (choice.labels && choice.labels !== labels) {
    classes = checkClasses(folders, outputs, readLabelNames(choice.labels)).classes;
    labels = choice.labels;
  }
  return planRun(deps, model, data, { ...choice, labels: labels ?? choice.labels }, preset, classes);
}

/**
 * A dataset file or CSV folder (src/run/datasets): its classes come from its listing. When their
 * number differs from the model's outputs, the user picks the classes (--classes), e.g. 7,8 of
 * Fashion-MNIST for a binary model.
 */
async function planArrayCheck(deps: FlowDeps, model: string, data: string): Promise<CheckPlan | undefined> {
  const outputs = await readModelOutputs(model);
  let listing = await listDataset(data);
  let subset: string[] | undefined;
  if (outputs && listing.classes.length !== outputs.classes) {
    const shown = listing.classes.length > 12 ? `${listing.classes.slice(0, 12).join(', ')}, …` : listing.classes.join(', ');
    const text = await deps.ui.input({
      title: 'Robustness Lens: classes',
      prompt: `The dataset has ${listing.classes.length} classes (${shown}) but the model has ${outputs.classes}: name ${outputs.classes} of them, in model output order (comma list of names or indices)`,
      value: '',
      validate: (typed) => {
        const parsed = parseClassList(typed);
        if (!parsed.ok) return parsed.reason;
        return parsed.value.length === outputs.classes ? undefined : `name ${outputs.classes} classes`;
      },
    });
    if (text === undefined) return undefined;
    const parsed = parseClassList(text);
    if (!parsed.ok) return undefined;
    subset = parsed.value;
    listing = await listDataset(data, undefined, { classes: subset });
  }
  const preset = await pickPreset(deps.ui, deps.state, deps.settings, listing.images.length);
  if (!preset) return undefined;
  const choice = preset === 'quick' ? quickLook(deps.settings) : preset === 'paper' ? paper(deps.settings) : await askCustom(deps.ui, deps.settings, data);
  if (!choice) return undefined;
  const classes = choice.classes ?? subset;
  const chosen = choice.labels || choice.classes ? await listDataset(data, choice.labels, { classes }) : listing;
  if (outputs && chosen.classes.length !== outputs.classes) throw new Error(`the dataset's classes (${chosen.classes.join(', ')}) are ${chosen.classes.length} but the model has ${outputs.classes} outputs`);
  return planRun(deps, model, data, { ...choice, classes }, preset, chosen.classes);
}

/** The run folder and the CheckOptions for given inputs (also used to repeat a stored run). */
export function planRun(deps: FlowDeps, model: string, data: string, choice: EngineChoice, preset: CheckPlan['preset'], classes: string[], storedPreset: PresetName | null = null): CheckPlan {
  const runsDir = runsDirectoryFor(deps, [model, data]);
  const runId = newRunId(model, deps.now(), (id) => existsSync(join(runsDir, id)));
  const options: CheckOptions = {
    model: resolve(model),
    data: resolve(data),
    out: join(runsDir, runId),
    attack: choice.attack,
    ...(choice.attackOptions ? { attackOptions: choice.attackOptions } : {}),
    alphas: choice.alphas,
    samples: choice.samples,
    scales: choice.scales,
    maxEps: choice.maxEps,
    seed: choice.seed,
    clip: choice.clip,
    backend: choice.backend,
    forward: choice.forward,
    ...(choice.preprocessing ? { preprocessing: choice.preprocessing } : {}),
    details: deps.settings.detailImages,
    workerScript: join(deps.distDir, 'worker.js'),
    reportAssetsDir: deps.distDir,
  };
  if (choice.labels) options.labels = resolve(choice.labels);
  if (choice.classes) options.classes = choice.classes;
  if (choice.dataLabels) options.dataLabels = resolve(choice.dataLabels);
  if (choice.limit !== undefined) options.limit = choice.limit;
  if (choice.sample !== undefined) options.sample = choice.sample;
  if (choice.workers !== undefined) options.workers = choice.workers;
  if (deps.settings.nodePath) options.nodePath = deps.settings.nodePath;
  options.batchMemoryMb = deps.settings.batchMemoryMb;
  if (choice.rareEvent ?? deps.settings.rareEvent) {
    Object.assign(options, { rareEvent: true, rareEventBudget: choice.rareEventBudget ?? deps.settings.rareEventBudget });
  }
  const settingsPreset = preset === 'resume' || preset === 'rerun' ? storedPreset : preset;
  if (settingsPreset) options.preset = settingsPreset;
  return { options, runId, runsDir, preset, settingsPreset, classes };
}

/**
 * Resume (same folder: the run host skips finished images) or re-run (a new folder) a stored run
 * with its own engine settings; backend, workers and Node come from the current settings.
 */
export async function planFromRun(deps: FlowDeps, run: RunInfo, mode: 'resume' | 'rerun'): Promise<CheckPlan> {
  const stored = run.settings;
  if (!stored) throw new Error(`the run folder ${run.dir} holds no run.json or report.json settings to ${mode === 'resume' ? 'resume' : 're-run'} from`);
  // A dataset file, or a run on some classes: the run host's own listing gives the classes.
  const listed = stored.classes !== undefined || (await datasetFormatOf(stored.data)) !== null;
  const { classes } = listed
    ? await listDataset(stored.data, stored.labels, { classes: stored.classes, dataLabels: stored.dataLabels })
    : checkClasses(await classFolders(stored.data), await readModelOutputs(stored.model), stored.labels ? readLabelNames(stored.labels) : undefined);
  const choice: EngineChoice = {
    ...fromSettings(deps.settings),
    // Runs from before --attack existed were the paper's.
    attack: stored.attack ?? defaultAttack,
    attackOptions: stored.attackOptions,
    alphas: stored.alphas,
    samples: stored.samples,
    scales: stored.scales,
    maxEps: stored.maxEps,
    limit: stored.limit ?? undefined,
    sample: stored.sample ?? undefined,
    seed: stored.seed,
    clip: stored.clip,
    labels: stored.labels,
    classes: stored.classes,
    dataLabels: stored.dataLabels,
  };
  // A stored run keeps its own rare-event setting: on with its budget, or off.
  choice.rareEvent = stored.rareEventBudget !== undefined;
  choice.rareEventBudget = stored.rareEventBudget;
  if (mode === 'rerun') return planRun(deps, stored.model, stored.data, choice, 'rerun', classes, run.preset ?? null);
  const plan = planRun(deps, stored.model, stored.data, choice, 'resume', classes, run.preset ?? null);
  return { ...plan, runId: run.id, runsDir: dirname(run.dir), options: { ...plan.options, out: run.dir } };
}

/**
 * The output directory of the workspace folder holding one of `paths`, else the first folder, else
 * global storage. Runs of the bundled demo stay in global storage: they are not the user's.
 */
export function runsDirectoryFor(deps: Pick<FlowDeps, 'workspace' | 'settings' | 'fallbackFolder' | 'distDir'>, paths: string[]): string {
  const demo = demoFolder(dirname(deps.distDir));
  if (paths.every((p) => isInside(demo, resolve(p)))) return resolveRunsDirectory(deps.settings.outputDirectory, deps.fallbackFolder);
  const folders = deps.workspace.folders();
  const holding = folders.find((folder) => paths.some((p) => isInside(folder, p)));
  const base = holding ?? folders[0] ?? deps.fallbackFolder;
  return resolveRunsDirectory(deps.settings.outputDirectory, base);
}

/** The bundled demo (model/ and data/) in the extension's folder. */
export function demoFolder(extensionPath: string): string {
  return join(extensionPath, 'media', 'demo');
}

export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(sep));
}

const imageExtensions = new Set(['.png', '.jpg', '.jpeg']);

/** Images under the class folders, by extension (the listing in the worker host checks signatures too). */
export async function countImages(data: string, folders: string[]): Promise<number | null> {
  let count = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else if (imageExtensions.has(extname(entry.name).toLowerCase())) count++;
    }
  };
  try {
    for (const folder of folders) await walk(join(data, folder));
  } catch {
    return null;
  }
  return count;
}
