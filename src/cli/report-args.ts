/**
 * The command line of `compare` and `gate` (commands on finished runs), parsed without side
 * effects like `check`'s in args.ts: argv in, a command or a UsageError (exit status 2) out.
 */
import { baselineRules, type GateRule } from '../engine/gate';
import { UsageError, parseNumber, readFlags, type FlagKind } from './args';

export type ReportCommand =
  | { kind: 'compare'; a: string; b: string; out: string }
  | { kind: 'gate'; run: string; baseline?: string; rules: GateRule[]; junit?: string };

const compareFlags: Record<string, FlagKind> = { '--out': 'string' };

const gateFlags: Record<string, FlagKind> = {
  '--baseline': 'string',
  '--junit': 'string',
  '--min-median-eps': 'string',
  '--max-adversarial-rate': 'string',
  '--max-random-rate': 'string',
  '--min-accuracy': 'string',
  '--max-accuracy-drop': 'string',
  '--max-median-eps-drop': 'string',
  '--max-adversarial-rate-increase': 'string',
};

/** `compare …` or `gate …` (without --help, which args.ts answers); null for any other command. */
export function parseReportCommand(argv: readonly string[]): ReportCommand | null {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) return null;
  if (command === 'compare') return parseCompare(rest);
  if (command === 'gate') return parseGate(rest);
  return null;
}

function parseCompare(argv: readonly string[]): ReportCommand {
  const { flags, positionals } = readFlags(argv, compareFlags);
  const out = flags.get('--out');
  if (typeof out !== 'string') throw new UsageError('--out is required');
  if (positionals.length !== 2) throw new UsageError(`compare needs two runs (output folders or report.json files), got ${positionals.length}`);
  return { kind: 'compare', a: positionals[0], b: positionals[1], out };
}

/** A rate as a fraction (0.05) or a percentage (5%), within [0, 1]. */
export function parseRate(value: string, name: string): number {
  const trimmed = value.trim();
  const rate = trimmed.endsWith('%') ? parseNumber(trimmed.slice(0, -1), name) / 100 : parseNumber(trimmed, name);
  if (!(rate >= 0 && rate <= 1)) throw new UsageError(`${name} must be a rate between 0 and 1 (or 0% and 100%), got "${value}"`);
  return rate;
}

function parseGate(argv: readonly string[]): ReportCommand {
  const { flags, positionals } = readFlags(argv, gateFlags);
  if (positionals.length !== 1) throw new UsageError(`gate needs one run (an output folder or a report.json), got ${positionals.length}`);
  const text = (name: string) => flags.get(name) as string | undefined;
  const rules: GateRule[] = [];
  const minEps = text('--min-median-eps');
  if (minEps !== undefined) {
    const limit = parseNumber(minEps, '--min-median-eps');
    if (!(limit >= 0)) throw new UsageError(`--min-median-eps must be a non-negative number, got "${minEps}"`);
    rules.push({ kind: 'min-median-eps', limit });
  }
  const rate = (name: string) => {
    const value = text(name);
    return value === undefined ? undefined : parseRate(value, name);
  };
  const simple = [
    ['--max-adversarial-rate', 'max-adversarial-rate'],
    ['--min-accuracy', 'min-accuracy'],
    ['--max-accuracy-drop', 'max-accuracy-drop'],
    ['--max-median-eps-drop', 'max-median-eps-drop'],
    ['--max-adversarial-rate-increase', 'max-adversarial-rate-increase'],
  ] as const;
  for (const [flag, kind] of simple) {
    const limit = rate(flag);
    if (limit !== undefined) rules.push({ kind, limit });
  }
  const random = text('--max-random-rate');
  if (random !== undefined) {
    for (const part of random.split(',')) {
      const match = /^\s*([^:]+):(.+)$/.exec(part);
      if (!match) throw new UsageError(`--max-random-rate takes alpha:rate pairs, e.g. 2:0.01,10:20%, got "${random}"`);
      const alpha = parseNumber(match[1], '--max-random-rate');
      if (!(alpha > 0)) throw new UsageError(`--max-random-rate needs a positive alpha, got "${match[1]}"`);
      rules.push({ kind: 'max-random-rate', alpha, limit: parseRate(match[2], '--max-random-rate') });
    }
  }
  if (rules.length === 0) throw new UsageError('gate needs at least one gate (e.g. --min-median-eps 0.5; see --help)');
  const baseline = text('--baseline');
  const needsBaseline = rules.find((rule) => baselineRules.includes(rule.kind));
  if (needsBaseline && baseline === undefined) throw new UsageError(`--${needsBaseline.kind} needs --baseline <run>`);
  const command: ReportCommand = { kind: 'gate', run: positionals[0], rules };
  if (baseline !== undefined) command.baseline = baseline;
  const junit = text('--junit');
  if (junit !== undefined) command.junit = junit;
  return command;
}
