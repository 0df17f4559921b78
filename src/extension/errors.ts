/**
 * Errors as the user sees them: one notification that says what went wrong and what to do, the
 * detail (worker output; the stack of an unexpected error) in the "Robustness Lens" output channel.
 */
import type { Log, Ui } from './ports';

export interface Advice {
  /** What to do, one sentence. */
  hint: string;
  /** The setting to open, when changing one is the remedy. */
  setting?: string;
}

const rules: { test: RegExp; advice: Advice }[] = [
  { test: /class folder|labels file|outputs? \(a sigmoid|but the model has/i, advice: { hint: 'Pick the dataset folder that matches the model, or give a labels file in model output order (Custom preset).' } },
  { test: /no (PNG or JPEG )?images|no class folders|data(set)? folder|must be a folder of class folders/i, advice: { hint: 'Pick a folder laid out as <class name>/<image> with PNG or JPEG images.' } },
  { test: /out of memory|ENOMEM|heap|allocation failed/i, advice: { hint: 'Use fewer workers or a smaller batch.', setting: 'robustnessLens.workers' } },
  { test: /nodePath|spawn .*ENOENT|node executable|ELECTRON_RUN_AS_NODE/i, advice: { hint: 'Point robustnessLens.nodePath at a Node.js 20+ executable, or clear it to use the editor\'s own.', setting: 'robustnessLens.nodePath' } },
  { test: /tfjs-node|tensorflow-gpu|libtensorflow|CUDA|cudnn|backend/i, advice: { hint: 'Choose another backend (wasm always works), or install the native one with "Robustness Lens: Install Native TensorFlow Backend".', setting: 'robustnessLens.backend' } },
  { test: /worker|exited|signal|crash/i, advice: { hint: 'A compute worker stopped; the output channel has its last words. Finished images are kept: resume the run from the Runs view.' } },
  { test: /input shape|shape|channels|dimension/i, advice: { hint: "Check that the model's input matches the images (they are resized and converted to its channels)." } },
  { test: /cannot be built|not a Keras|Keras 3 \.keras archive|HDF5/i, advice: { hint: 'A Keras model is built from its config with TF.js layers: replace a layer TF.js lacks, or export the model to ONNX (tf2onnx) and pick the .onnx file.' } },
  { test: /model|weights|layer|topology|JSON/i, advice: { hint: 'Check that it is a TF.js model.json (layers or graph model) with its weight files beside it.' } },
];

export function adviceFor(message: string): Advice {
  const setting = /^Setting (robustnessLens\.[\w.]+)/.exec(message)?.[1];
  if (setting) return { hint: 'Fix the value in the settings.', setting };
  return rules.find((r) => r.test.test(message))?.advice ?? { hint: 'The output channel "Robustness Lens" has the details.' };
}

/** The first line of an error's message, without a trailing period. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').trim().replace(/\.$/, '') || 'unknown error';
}

export interface ErrorReporterDeps {
  ui: Ui;
  log: Log;
  openSetting(key: string): void;
}

const showOutput = 'Show Output';
const openSettings = 'Open Settings';

/**
 * Whether an error is a bug or a failure nobody planned for, whose stack belongs in the output
 * channel: a TypeError, RangeError, assertion, … Errors raised on purpose with a message that says
 * what is wrong (a class mismatch, a bad setting or flag, a file that cannot be read: a plain Error
 * or a subclass such as SettingsError, whose name stays "Error") are the user's to fix, and their
 * stack is noise to them.
 */
export function isUnexpected(error: unknown): error is Error {
  return error instanceof Error && error.name !== 'Error';
}

/**
 * Logs the error (a user's mistake as its message only, an unexpected one with its stack), shows
 * one notification; resolves when the user answered it (or closed it).
 */
export async function reportError(deps: ErrorReporterDeps, what: string, error: unknown): Promise<void> {
  const message = oneLine(error);
  deps.log.line(`ERROR ${what}: ${message}`);
  if (isUnexpected(error) && error.stack) deps.log.line(error.stack);
  else if (error instanceof Error && error.message.trim().includes('\n')) deps.log.line(error.message.trim().split('\n').slice(1).join('\n'));
  const detail = (error as { detail?: unknown }).detail;
  if (typeof detail === 'string' && detail) deps.log.line(detail);
  const advice = adviceFor(message);
  const actions = advice.setting ? [showOutput, openSettings] : [showOutput];
  const choice = await deps.ui.error(`Robustness Lens: ${what}: ${message}. ${advice.hint}`, ...actions);
  if (choice === showOutput) deps.log.show();
  if (choice === openSettings && advice.setting) deps.openSetting(advice.setting);
}
