/** The per-image table's columns: what each shows and how it sorts. */
import type { ImageRecord, RunConfig } from '../../src/protocol/report';
import { className } from '../../src/report/csv';
import { plainNumber } from '../../src/report/format';
import { bestOfAttacks } from '../../src/engine/attacks/names';
import { attackEps, ratioToFgmLine } from '../charts/attack-data';

export interface Column {
  key: string;
  label: string;
  /** Longer name for the header's tooltip and screen readers. */
  description: string;
  /** Width in pixels; a column with `grow` > 0 takes that share of the spare width too. */
  width: number;
  grow: number;
  numeric: boolean;
  /** Cut a text too long for the column in the middle, keeping its end (a file's own name) whole. */
  middleEllipsis?: boolean;
  text(record: ImageRecord, position: number): string;
  /** The cell's tooltip, where it holds more than the cell shows. */
  title?(record: ImageRecord): string;
  /** null sorts last in both directions. */
  sortValue(record: ImageRecord, position: number): number | string | null;
}

function flipsAt(record: ImageRecord, alpha: number): number | null {
  return record.random.find((r) => r.alpha === alpha)?.flips ?? null;
}

/**
 * `eachAttack` (a `best` report only) adds each attack's ε* and its ratio to fgm-line's: seven
 * columns that do not fit beside the others, so the table shows them only on the reader's request.
 */
export function imageColumns(config: RunConfig, eachAttack = false): Column[] {
  const norm = (key: 'eps' | 'l1' | 'linf', label: string, description: string): Column => ({
    key,
    label,
    description,
    width: 60,
    grow: 0,
    numeric: true,
    text: (r) => (r.adversarial ? plainNumber(r.adversarial[key]) : '—'),
    sortValue: (r) => r.adversarial?.[key] ?? null,
  });
  return [
    { key: 'index', label: '#', description: 'Position in sorted path order', width: 44, grow: 0, numeric: true, text: (r, p) => String((r.index ?? p) + 1), sortValue: (r, p) => r.index ?? p },
    { key: 'file', label: 'File', description: 'Image file, relative to the dataset folder', width: 130, grow: 3, numeric: false, middleEllipsis: true, text: (r) => r.file, sortValue: (r) => r.file },
    { key: 'class', label: 'Class', description: 'True class', width: 84, grow: 1, numeric: false, text: (r) => className(config.classes, r.label), sortValue: (r) => r.label },
    { key: 'predicted', label: 'Prediction', description: 'Predicted class on the clean image', width: 84, grow: 1, numeric: false, text: (r) => className(config.classes, r.predicted), sortValue: (r) => r.predicted },
    { key: 'correct', label: 'Correct', description: 'Prediction equals the true class', width: 64, grow: 0, numeric: false, text: (r) => (r.correct ? 'yes' : 'no'), sortValue: (r) => (r.correct ? 1 : 0) },
    norm('eps', 'ε* (L2)', 'Smallest flipping adversarial step: L2 norm ε*'),
    norm('l1', 'L1', 'L1 norm of the adversarial perturbation'),
    norm('linf', 'L∞', 'L∞ norm of the adversarial perturbation'),
    ...attackColumns(config, eachAttack),
    ...config.alphas.map(
      (alpha): Column => ({
        key: `flips:${alpha}`,
        label: `α = ${alpha}`,
        description: `Random perturbations of radius ${alpha}·ε* that flipped the prediction, of ${config.samples}`,
        width: 56,
        grow: 0,
        numeric: true,
        text: (r) => {
          const flips = flipsAt(r, alpha);
          return flips === null ? '—' : flips.toLocaleString('en-US');
        },
        sortValue: (r) => flipsAt(r, alpha),
      }),
    ),
  ];
}

/** With `best`: the attack that won (each attack's ε* in its tooltip); with `eachAttack` also each attack's ε* and its ratio to fgm-line's ε*. */
function attackColumns(config: RunConfig, eachAttack: boolean): Column[] {
  if (config.attack !== 'best') return [];
  const numeric = (key: string, label: string, description: string, value: (r: ImageRecord) => number | null, text: (v: number) => string): Column => ({
    key,
    label,
    description,
    width: 64,
    grow: 0,
    numeric: true,
    text: (r) => {
      const v = value(r);
      return v === null ? '—' : text(v);
    },
    sortValue: value,
  });
  const winner: Column = {
    key: 'attack',
    label: 'Smallest',
    description: 'The attack whose perturbation was the smallest (each attack’s ε* in the cell’s tooltip)',
    width: 72,
    grow: 0,
    numeric: false,
    text: (r) => r.adversarial?.attack ?? '—',
    title: eachAttackText,
    sortValue: (r) => r.adversarial?.attack ?? null,
  };
  if (!eachAttack) return [winner];
  return [
    winner,
    ...bestOfAttacks.map((attack) => numeric(`eps:${attack}`, `ε* ${attack}`, `ε* (L2) found by ${attack}`, (r) => attackEps(r, attack), plainNumber)),
    ...bestOfAttacks
      .filter((attack) => attack !== 'fgm-line')
      .map((attack) => numeric(`ratio:${attack}`, `${attack}/fgm`, `ε*_${attack} / ε*_fgm-line on this image`, (r) => ratioToFgmLine(r, attack), (v) => `${plainNumber(v)}×`)),
  ];
}

/** Each attack's ε* on this image and its ratio to fgm-line's, one attack a line: "ddn: ε* 0.26 (0.5× fgm-line)". */
export function eachAttackText(record: ImageRecord): string {
  if (!record.adversarial?.attacks) return '';
  return bestOfAttacks
    .map((attack) => {
      const eps = attackEps(record, attack);
      const ratio = attack === 'fgm-line' ? null : ratioToFgmLine(record, attack);
      return `${attack}: ${eps === null ? 'no flip' : `ε* ${plainNumber(eps)}`}${ratio === null ? '' : ` (${plainNumber(ratio)}× fgm-line)`}`;
    })
    .join('\n');
}

/**
 * A text split for a middle ellipsis: the head may be cut, the tail stays whole. The tail is what
 * follows the last "/" (a file's own name), or the last 12 characters of a text without one, and
 * at most 24 characters of either, so that some of the head still shows.
 */
export function middleEllipsisParts(text: string): [head: string, tail: string] {
  const slash = text.lastIndexOf('/');
  const tailLength = Math.min(24, slash >= 0 ? text.length - slash - 1 : Math.min(12, Math.floor(text.length / 2)));
  const cut = text.length - tailLength;
  return [text.slice(0, cut), text.slice(cut)];
}
