/**
 * The non-finite rule: a model output that is NaN or ±Infinity makes an image's result
 * meaningless (a NaN probability has no arg max, so "correct" would be an accident of the
 * comparison). Such an image is recorded as failed with the reason, never counted.
 */
import type { ImageRecord } from '../protocol/report';

/** Thrown by the protocol when the model's outputs on an image are not all finite numbers. */
export class NonFiniteOutputs extends Error {
  constructor(what: string) {
    super(`the model's outputs are not finite (${what})`);
    this.name = 'NonFiniteOutputs';
  }
}

export function isNonFiniteOutputs(error: unknown): error is NonFiniteOutputs {
  return error instanceof NonFiniteOutputs;
}

/** Throws NonFiniteOutputs unless every value is a finite number. */
export function requireFiniteOutputs(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) throw new NonFiniteOutputs(describeValues(Array.from(values)));
}

/** Throws NonFiniteOutputs naming the first number of `record` that is not finite (e.g. "adversarial.l2"). */
export function requireFiniteRecord(record: ImageRecord): void {
  const field = nonFiniteField(record);
  if (field !== null) throw new NonFiniteOutputs(`${field} is not a finite number`);
}

/** The path of the first number in `record` that is not finite (e.g. "adversarial.l2"), or null. */
export function nonFiniteField(record: ImageRecord): string | null {
  return firstNonFinite(record, '');
}

function firstNonFinite(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNonFinite(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const found = firstNonFinite(child, path ? `${path}.${key}` : key);
      if (found !== null) return found;
    }
  }
  return null;
}

function describeValues(values: readonly number[]): string {
  const shown = values.slice(0, 4).map((v) => (Number.isNaN(v) ? 'NaN' : String(v)));
  return `${shown.join(', ')}${values.length > 4 ? ', …' : ''}`;
}
