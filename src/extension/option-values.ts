/**
 * Parsing and validation of the engine's option values, shared by the settings resolution and the
 * Custom preset's input boxes. Every check returns a one-line reason, never throws.
 */
import type { BackendChoice } from '../protocol/report';
import { backendChoices } from '../run/validate';

export { backendChoices, forwardChoices } from '../run/validate';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

export function parsePositiveInteger(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) return fail(`"${text}" is not a whole number of at least 1`);
  return ok(Number(trimmed));
}

export function parseNonNegativeInteger(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return fail(`"${text}" is not a whole number of at least 0`);
  return ok(Number(trimmed));
}

export function parsePositiveNumber(text: string): Parsed<number> {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value) || value <= 0) return fail(`"${text}" is not a number above 0`);
  return ok(value);
}

/** "1, 2, 5,10" → [1, 2, 5, 10]: positive, distinct, kept in the order given. */
export function parseAlphas(text: string): Parsed<number[]> {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.every((p) => p === '')) return fail('give at least one α, e.g. 1,2,5,10');
  const values: number[] = [];
  for (const part of parts) {
    const parsed = parsePositiveNumber(part);
    if (!parsed.ok) return fail(`α ${parsed.reason}`);
    if (values.includes(parsed.value)) return fail(`α ${parsed.value} is listed twice`);
    values.push(parsed.value);
  }
  return ok(values);
}

export function parseBackend(text: string): Parsed<BackendChoice> {
  const found = backendChoices.find((b) => b === text.trim());
  return found ? ok(found) : fail(`"${text}" is not a backend (one of ${backendChoices.join(', ')})`);
}

/** A count that arrives already typed (settings.json) and is not one of the run's settings (the Quick look preset's). */
export function checkPositiveInteger(value: unknown): Parsed<number> {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? ok(value) : fail(`must be a whole number of at least 1 (got ${JSON.stringify(value)})`);
}

export function formatAlphas(alphas: readonly number[]): string {
  return alphas.join(', ');
}
