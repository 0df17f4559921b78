/**
 * What a run is called wherever it shows (Runs view, progress notification, delete question):
 * "mobilenet-v2 on val-images · Quick look", from the model's and the dataset's names and the
 * preset that planned it, when the extension did.
 */
import { presetLabels, type PresetName } from './presets';
import { datasetName, modelName } from './run-storage';

export function runName(model: string, data: string): string {
  return `${modelName(model)} on ${datasetName(data)}`;
}

export function runTitle(model: string, data: string, preset: PresetName | null | undefined): string {
  return preset ? `${runName(model, data)} · ${presetLabels[preset]}` : runName(model, data);
}
