/**
 * The three presets of a check: Quick look, Paper protocol (PROTOCOL.md exactly) and Custom
 * (every option of the command line, asked one by one, prefilled from the settings).
 */
import type { AttackName } from '../engine/attacks/names';
import type { AttackOptions } from '../engine/attacks/options';
import type { BackendChoice, ForwardChoice } from '../protocol/report';
import type { CheckOptions } from '../run/types';
import {
  backendChoices,
  forwardChoices,
  formatAlphas,
  parseAlphas,
  parseSetting,
  type Parsed,
} from './option-values';
import { pickLabelsFile, stateKeys } from './pickers';
import type { KeyValueStore, PickItem, Ui } from './ports';
import type { ExtensionSettings } from './settings';

export type PresetName = 'quick' | 'paper' | 'custom';

export const presetTitle = 'Robustness Lens: preset';
export const presetLabels: Record<PresetName, string> = { quick: 'Quick look', paper: 'Paper protocol', custom: 'Custom' };

/** The paper's Section 7.1 settings, with its attack. */
export const paperProtocol = { attack: 'fgm-line', alphas: [1, 2, 5, 10], samples: 2000, scales: 256, clip: false } as const;

/** The engine options a preset decides; host settings (workers, node) come from the settings. */
export type EngineChoice = Pick<CheckOptions, 'alphas' | 'samples' | 'scales' | 'maxEps' | 'limit' | 'sample' | 'seed' | 'clip' | 'backend' | 'workers' | 'labels' | 'rareEvent' | 'rareEventBudget' | 'preprocessing' | 'classes' | 'dataLabels'> & {
  attack: AttackName;
  forward: ForwardChoice;
  /** The settings' attack options (robustnessLens.steps, …); the paper preset has none. */
  attackOptions?: Partial<AttackOptions>;
};

export function fromSettings(s: ExtensionSettings): EngineChoice {
  return {
    attack: s.attack,
    attackOptions: { ...s.attackOptions },
    alphas: [...s.alphas],
    samples: s.samples,
    scales: s.scales,
    maxEps: s.maxEps,
    limit: s.limit > 0 ? s.limit : undefined,
    seed: s.seed,
    clip: s.clip,
    backend: s.backend,
    forward: s.forward,
    preprocessing: s.preprocessing,
    workers: s.workers > 0 ? s.workers : undefined,
  };
}

export function quickLook(s: ExtensionSettings): EngineChoice {
  return { ...fromSettings(s), sample: s.quickLookImages, samples: s.quickLookSamples };
}

export function paper(s: ExtensionSettings): EngineChoice {
  return { ...fromSettings(s), ...paperProtocol, alphas: [...paperProtocol.alphas], limit: undefined, attackOptions: undefined };
}

export async function pickPreset(ui: Ui, state: KeyValueStore, s: ExtensionSettings, imageCount: number | null): Promise<PresetName | undefined> {
  const all = imageCount === null ? 'all images' : `all ${imageCount} images`;
  const items: PickItem<PresetName>[] = [
    {
      label: presetLabels.quick,
      description: `${imageCount === null ? `${s.quickLookImages} evenly spread` : `${Math.min(s.quickLookImages, imageCount)} of ${imageCount}`} images, ${s.quickLookSamples} random samples per α`,
      detail: 'A first impression: images spread evenly over the sorted dataset, so every class is represented; fewer random perturbations.',
      value: 'quick',
    },
    {
      label: presetLabels.paper,
      description: `${all}, ${paperProtocol.samples} samples, α = ${formatAlphas(paperProtocol.alphas)}`,
      detail: `The paper's protocol: ${paperProtocol.scales}-step line search up to ε ${s.maxEps}, ${paperProtocol.samples} random perturbations per image and α.`,
      value: 'paper',
    },
    {
      label: presetLabels.custom,
      description: 'every option',
      detail: 'α values, samples, line-search steps, largest ε, image limit, seed, clipping, backend, forward passes, workers, labels file.',
      value: 'custom',
    },
  ];
  const last = state.get<PresetName>(stateKeys.preset);
  const ordered = last ? [...items.filter((i) => i.value === last), ...items.filter((i) => i.value !== last)] : items;
  const chosen = await ui.pick(presetTitle, ordered, 'How thorough the check is');
  if (chosen) await state.update(stateKeys.preset, chosen);
  return chosen;
}

/** Asks every option; undefined when the user dismissed one of the boxes. */
export async function askCustom(ui: Ui, s: ExtensionSettings, dataDir: string): Promise<EngineChoice | undefined> {
  const base = fromSettings(s);
  const ask = async <T>(name: string, prompt: string, value: string, parse: (t: string) => Parsed<T>): Promise<T | undefined> => {
    const text = await ui.input({ title: `Robustness Lens: ${name}`, prompt, value, validate: (t) => failure(parse(t)) });
    if (text === undefined) return undefined;
    const parsed = parse(text);
    return parsed.ok ? parsed.value : undefined;
  };
  const alphas = await ask('α values', 'Random perturbations are drawn at these multiples of ε* (comma list)', formatAlphas(base.alphas), parseAlphas);
  if (!alphas) return undefined;
  const samples = await ask('random samples', 'Random perturbations per image and α', String(base.samples), parseSetting('samples'));
  if (samples === undefined) return undefined;
  const scales = await ask('line-search steps', 'Equally spaced steps of the line search up to the largest ε', String(base.scales), parseSetting('scales'));
  if (scales === undefined) return undefined;
  const maxEps = await ask('largest ε', 'Largest L2 step of the line search, in pixel units ([0,1] per value)', String(base.maxEps), parseSetting('maxEps'));
  if (maxEps === undefined) return undefined;
  const limit = await ask('image limit', 'Analyse only the first N images in sorted path order (0: all)', String(base.limit ?? 0), parseSetting('limit', 0));
  if (limit === undefined) return undefined;
  const seed = await ask('seed', 'Seed of the random perturbations', String(base.seed), parseSetting('seed'));
  if (seed === undefined) return undefined;
  const clipItems: PickItem<boolean>[] = [
    { label: 'No clipping', description: "the paper's protocol", value: false },
    { label: 'Clip to [0,1]', description: 'perturbed images stay valid images', value: true },
  ];
  const clip = await ui.pick('Robustness Lens: clipping', base.clip ? clipItems.reverse() : clipItems, 'Clip perturbed images to [0,1]?');
  if (clip === undefined) return undefined;
  const backend = await ui.pick<BackendChoice>(
    'Robustness Lens: backend',
    [base.backend, ...backendChoices.filter((b) => b !== base.backend)].map((b) => ({ label: b, description: backendDescriptions[b], value: b })),
    'Which TensorFlow.js backend runs the model',
  );
  if (backend === undefined) return undefined;
  const forward = await ui.pick<ForwardChoice>(
    'Robustness Lens: forward passes',
    [base.forward, ...forwardChoices.filter((f) => f !== base.forward)].map((f) => ({ label: f, description: forwardDescriptions[f], value: f })),
    'What runs the forward passes (the gradients run on the backend)',
  );
  if (forward === undefined) return undefined;
  const workers = await ask('workers', 'Compute processes (0: one per core)', String(base.workers ?? 0), parseSetting('workers', 0));
  if (workers === undefined) return undefined;
  const labelsChoice = await ui.pick<'folders' | 'file'>(
    'Robustness Lens: class order',
    [
      { label: 'Sorted folder names', description: 'class i is the i-th class folder in sorted order', value: 'folders' },
      { label: 'Labels file…', description: 'a text file, one class name a line, in model output order', value: 'file' },
    ],
    'How class folders map to the model outputs',
  );
  if (labelsChoice === undefined) return undefined;
  let labels: string | undefined;
  if (labelsChoice === 'file') {
    labels = await pickLabelsFile(ui, dataDir);
    if (!labels) return undefined;
  }
  const classes = await ask('classes', 'Analyse only these classes: names or indices of the dataset\'s classes, comma list, in model output order (empty: every class)', '', parseClassList);
  if (classes === undefined) return undefined;
  return { attack: base.attack, attackOptions: base.attackOptions, alphas, samples, scales, maxEps, limit: limit > 0 ? limit : undefined, seed, clip, backend, forward, workers: workers > 0 ? workers : undefined, labels, classes: classes.length > 0 ? classes : undefined };
}

/** --classes as typed in the Custom preset: a comma list, or nothing for every class. */
export function parseClassList(text: string): Parsed<string[]> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: [] };
  const entries = trimmed.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) return { ok: false, reason: 'a comma list of class names or indices, e.g. 7,8' };
  if (new Set(entries).size !== entries.length) return { ok: false, reason: 'a class is listed twice' };
  return { ok: true, value: entries };
}

export const backendDescriptions: Record<BackendChoice, string> = {
  auto: 'the fastest that loads: TensorFlow GPU, TensorFlow, wasm, cpu',
  'tensorflow-gpu': 'native TensorFlow with CUDA (install it with "Install Native TensorFlow Backend")',
  tensorflow: 'native TensorFlow on the CPU (install it with "Install Native TensorFlow Backend")',
  cuda: "ONNX Runtime's CUDA execution provider (install it with \"Install GPU Support\")",
  webgpu: "ONNX Runtime's WebGPU execution provider",
  wasm: 'WebAssembly, bundled, one core per worker',
  cpu: 'plain JavaScript, slow, for checking',
};

export const forwardDescriptions: Record<ForwardChoice, string> = {
  auto: "ONNX Runtime's CPU kernels on the wasm and cpu backends when the model translates, else the backend",
  onnxruntime: "ONNX Runtime's CPU kernels; the run fails with the reason if the model does not translate",
  tfjs: 'the backend runs the forward passes too',
};

function failure<T>(parsed: Parsed<T>): string | undefined {
  return parsed.ok ? undefined : parsed.reason;
}
