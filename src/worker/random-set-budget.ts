/**
 * How much of the run's random set a worker keeps in memory: all of it while samples × d float32
 * fit ROBUSTNESS_LENS_RANDOM_SET_MB megabytes (2000 × 28·28·3 is 19 MB), else only the generator's
 * state per chunk, regenerating the rows as they are used (2000 × 224·224·3 would be 1.2 GB).
 */
export const randomSetBudgetEnv = 'ROBUSTNESS_LENS_RANDOM_SET_MB';
export const defaultRandomSetMegabytes = 256;

/** The budget in bytes from the environment, or the default; a bad value is an error, not a silent default. */
export function randomSetBudgetBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[randomSetBudgetEnv];
  if (raw === undefined || raw.trim() === '') return defaultRandomSetMegabytes * 1024 * 1024;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${randomSetBudgetEnv} must be a non-negative number of megabytes, got "${raw}"`);
  }
  return value * 1024 * 1024;
}
