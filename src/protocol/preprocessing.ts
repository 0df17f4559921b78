/**
 * What a model expects its input pixels to be (--preprocess, --mean, --std). The engine's images
 * are always RGB in [0, 1] so that norms stay in pixel units (PROTOCOL.md); the model's
 * preprocessing is part of the model function and is folded into its graph's first nodes:
 *     model input[c] = (pixel[order[c]] · scale − mean[c]) / std[c]
 */
export const preprocessPresets = ['unit', 'symmetric', '255', 'imagenet', 'caffe'] as const;
export type PreprocessPreset = (typeof preprocessPresets)[number];

export interface Preprocessing {
  preset: PreprocessPreset;
  /** Overrides the preset's means (one per channel, or one for all), in the preset's scaled units. */
  mean?: number[];
  /** Overrides the preset's standard deviations. */
  std?: number[];
}

export const defaultPreprocessing: Preprocessing = { preset: 'unit' };

interface PresetValues {
  scale: number;
  mean: number[];
  std: number[];
  /** Channels reversed (RGB → BGR). */
  bgr: boolean;
  description: string;
}

export const presetValues: Record<PreprocessPreset, PresetValues> = {
  unit: { scale: 1, mean: [0], std: [1], bgr: false, description: '[0, 1] as is (the default)' },
  symmetric: { scale: 1, mean: [0.5], std: [0.5], bgr: false, description: '[−1, 1]: (x − 0.5) / 0.5' },
  '255': { scale: 255, mean: [0], std: [1], bgr: false, description: '0–255' },
  imagenet: { scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], bgr: false, description: "torchvision's ImageNet mean/std on [0, 1]" },
  caffe: { scale: 255, mean: [103.939, 116.779, 123.68], std: [1], bgr: true, description: 'BGR, ImageNet means subtracted on 0–255 (Keras "caffe")' },
};

export function isPreprocessPreset(value: unknown): value is PreprocessPreset {
  return typeof value === 'string' && (preprocessPresets as readonly string[]).includes(value);
}

/** Why `preprocessing` cannot feed a model with `channels` channels, or null when it can. */
export function preprocessingProblem(preprocessing: Preprocessing, channels: number): string | null {
  const values = presetValues[preprocessing.preset];
  if (!values) return `unknown --preprocess "${String(preprocessing.preset)}" (one of ${preprocessPresets.join(', ')})`;
  const mean = preprocessing.mean ?? values.mean;
  const std = preprocessing.std ?? values.std;
  for (const [name, list] of [['mean', mean], ['std', std]] as const) {
    if (list.length !== 1 && list.length !== channels) {
      return `--preprocess ${preprocessing.preset}${preprocessing[name] ? ` with --${name}` : ''} has ${list.length} ${name} values, the model takes ${channels} channel${channels === 1 ? '' : 's'}`;
    }
    if (list.some((v) => !Number.isFinite(v))) return `--${name} values must be numbers`;
  }
  if (std.some((v) => v === 0)) return '--std values must not be 0';
  if (values.bgr && channels !== 3) return `--preprocess ${preprocessing.preset} reorders RGB to BGR, the model takes ${channels} channel${channels === 1 ? '' : 's'}`;
  return null;
}

/**
 * Per channel (in the model's channel order): the pixel channel it reads (null: the same), and
 * model input = pixel · multiply + offset.
 */
export function channelParameters(preprocessing: Preprocessing, channels: number): { order: number[] | null; multiply: number[]; offset: number[] } {
  const problem = preprocessingProblem(preprocessing, channels);
  if (problem) throw new Error(problem);
  const values = presetValues[preprocessing.preset];
  const mean = preprocessing.mean ?? values.mean;
  const std = preprocessing.std ?? values.std;
  const at = (list: number[], c: number) => (list.length === 1 ? list[0] : list[c]);
  const multiply = Array.from({ length: channels }, (_, c) => values.scale / at(std, c));
  const offset = Array.from({ length: channels }, (_, c) => -at(mean, c) / at(std, c));
  return { order: values.bgr ? [2, 1, 0] : null, multiply, offset };
}

/** A short label for the report and the panel, e.g. "imagenet" or "unit, mean 0.5, std 0.25". */
export function describePreprocessing(preprocessing: Preprocessing): string {
  const extra = [preprocessing.mean ? `mean ${preprocessing.mean.join('/')}` : '', preprocessing.std ? `std ${preprocessing.std.join('/')}` : ''].filter(Boolean);
  return [preprocessing.preset, ...extra].join(', ');
}
