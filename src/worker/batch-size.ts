/**
 * How many images go through one forward pass: as many as fit a memory budget (input and
 * activations, float32), not a fixed count. The budget is ROBUSTNESS_LENS_BATCH_MB megabytes.
 */
import { settingDefaults } from '../protocol/settings';

export const batchBudgetEnv = 'ROBUSTNESS_LENS_BATCH_MB';
export const defaultBatchMegabytes = settingDefaults.batchMemoryMb;

/** The budget from the environment, or the default; a bad value is an error, not a silent default. */
export function batchMegabytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[batchBudgetEnv];
  if (raw === undefined || raw.trim() === '') return defaultBatchMegabytes;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${batchBudgetEnv} must be a positive number of megabytes, got "${raw}"`);
  }
  return value;
}

/** Images per forward pass for `floatsPerImage` float32 values each: at least 1, at most `cap`. */
export function batchSizeFor(floatsPerImage: number, megabytes: number, cap = Number.POSITIVE_INFINITY): number {
  if (!(floatsPerImage > 0)) throw new Error(`floatsPerImage must be positive, got ${floatsPerImage}`);
  const fits = Math.floor((megabytes * 1024 * 1024) / (4 * floatsPerImage));
  return Math.max(1, Math.min(cap, fits));
}
