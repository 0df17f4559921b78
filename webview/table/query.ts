/** Which images the table shows, in which order (no DOM: runs on 50 000 rows per keystroke). */
import type { ImageRecord } from '../../src/protocol/report';
import type { Column } from './columns';

export type CorrectFilter = 'all' | 'correct' | 'incorrect';
export type SusceptibilityFilter = 'all' | 'susceptible' | 'not-susceptible' | 'random';

export interface ImageFilter {
  text: string;
  /** Class index, or null for every class. */
  label: number | null;
  correct: CorrectFilter;
  susceptibility: SusceptibilityFilter;
}

export interface SortOrder {
  key: string;
  direction: 'ascending' | 'descending';
}

const collator = new Intl.Collator('en', { numeric: true });

export const noFilter: ImageFilter = { text: '', label: null, correct: 'all', susceptibility: 'all' };
export const defaultSort: SortOrder = { key: 'index', direction: 'ascending' };

export function isFiltered(filter: ImageFilter): boolean {
  return filter.text.trim() !== '' || filter.label !== null || filter.correct !== 'all' || filter.susceptibility !== 'all';
}

export function matchesFilter(record: ImageRecord, filter: ImageFilter, needle: string): boolean {
  if (filter.label !== null && record.label !== filter.label) return false;
  if (filter.correct === 'correct' && !record.correct) return false;
  if (filter.correct === 'incorrect' && record.correct) return false;
  if (filter.susceptibility === 'susceptible' && !record.adversarial) return false;
  if (filter.susceptibility === 'not-susceptible' && (record.adversarial || !record.correct)) return false;
  if (filter.susceptibility === 'random' && !record.random.some((r) => r.flips > 0)) return false;
  return needle === '' || record.file.toLowerCase().includes(needle);
}

/** Positions (into `images`) of the rows to show, filtered and sorted; ties keep dataset order. */
export function queryRows(images: readonly ImageRecord[], filter: ImageFilter, sort: SortOrder, columns: readonly Column[]): number[] {
  const needle = filter.text.trim().toLowerCase();
  const positions: number[] = [];
  for (let i = 0; i < images.length; i++) if (matchesFilter(images[i], filter, needle)) positions.push(i);
  const column = columns.find((c) => c.key === sort.key);
  if (!column) return positions;
  const keys: (number | string | null)[] = new Array(images.length);
  for (const p of positions) keys[p] = column.sortValue(images[p], p);
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return positions.sort((a, b) => {
    const x = keys[a];
    const y = keys[b];
    if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return order === 0 ? a - b : sign * order;
  });
}
