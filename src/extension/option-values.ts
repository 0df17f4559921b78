/**
 * Parsing of the values typed into the Custom preset's input boxes; the run settings among them are
 * checked by their one rule (src/protocol/settings-rules.ts). Every check returns a one-line reason, never throws.
 */
import type { BackendChoice } from '../protocol/report';
import { settingsProblem } from '../protocol/settings-rules';
import { backendChoices } from '../run/validate';

export { backendChoices, forwardChoices } from '../run/validate';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

const numberText = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A number typed in, or why it is none. */
function parseNumberText(text: string): Parsed<number> {
  const trimmed = text.trim();
  return numberText.test(trimmed) ? ok(Number(trimmed)) : fail(`"${text}" is not a number`);
}

/**
 * A run setting typed into the Custom preset's input box: a number checked by the setting's one
 * rule (settingsProblem, as the CLI and settings.json); `unsetValue` (0) leaves it to the run.
 */
export function parseSetting(key: 'samples' | 'scales' | 'maxEps' | 'limit' | 'seed' | 'workers', unsetValue?: number): (text: string) => Parsed<number> {
  return (text) => {
    const parsed = parseNumberText(text);
    if (!parsed.ok || parsed.value === unsetValue) return parsed;
    const problem = settingsProblem({ [key]: parsed.value }, 'key');
    return problem ? fail(problem) : parsed;
  };
}

/** "1, 2, 5,10" → [1, 2, 5, 10]: positive, distinct (the alphas rule), kept in the order given. */
export function parseAlphas(text: string): Parsed<number[]> {
  const values: number[] = [];
  for (const part of text.split(',')) {
    const parsed = parseNumberText(part);
    if (!parsed.ok) return text.trim() === '' ? fail('give at least one α, e.g. 1,2,5,10') : fail(`α ${parsed.reason}`);
    values.push(parsed.value);
  }
  const problem = settingsProblem({ alphas: values }, 'key');
  return problem ? fail(problem) : ok(values);
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
