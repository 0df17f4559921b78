/**
 * CI gates on a run (robustness-lens gate): thresholds on Table 1's numbers, alone or against a
 * baseline run. Pure: reports and rules in, one pass/fail verdict per rule out.
 */
import type { Report } from '../protocol/report';

export type GateRule =
  | { kind: 'min-median-eps'; limit: number }
  | { kind: 'max-adversarial-rate'; limit: number }
  | { kind: 'max-random-rate'; alpha: number; limit: number }
  | { kind: 'min-accuracy'; limit: number }
  | { kind: 'max-accuracy-drop'; limit: number }
  | { kind: 'max-median-eps-drop'; limit: number }
  | { kind: 'max-adversarial-rate-increase'; limit: number };

/** The rules that read the baseline run. */
export const baselineRules: readonly GateRule['kind'][] = ['max-accuracy-drop', 'max-median-eps-drop', 'max-adversarial-rate-increase'];

export interface GateVerdict {
  /** The rule as written on the command line, e.g. "--max-random-rate 2:0.01". */
  name: string;
  passed: boolean;
  /** What was measured, in words with the number: "median ε* 0.42 < 0.5". */
  message: string;
}

const percent = (rate: number) => `${Number((rate * 100).toPrecision(4))} %`;
const number = (x: number) => String(Number(x.toPrecision(4)));

export function ruleName(rule: GateRule): string {
  return rule.kind === 'max-random-rate' ? `--${rule.kind} ${rule.alpha}:${rule.limit}` : `--${rule.kind} ${rule.limit}`;
}

function verdict(rule: GateRule, passed: boolean, message: string): GateVerdict {
  return { name: ruleName(rule), passed, message };
}

/** Median ε* over susceptible images; +∞ when none is susceptible (nothing flips within maxEps). */
function medianEps(report: Report): number {
  return report.summary.adversarial.susceptible === 0 ? Infinity : report.summary.adversarial.l2.median;
}

function evaluate(rule: GateRule, report: Report, baseline: Report | null): GateVerdict {
  const s = report.summary;
  switch (rule.kind) {
    case 'min-median-eps': {
      const eps = medianEps(report);
      if (eps === Infinity) return verdict(rule, true, `no image is susceptible within ε ≤ ${report.config.maxEps}`);
      return verdict(rule, eps >= rule.limit, `median ε* ${number(eps)} ${eps >= rule.limit ? '≥' : '<'} ${number(rule.limit)}`);
    }
    case 'max-adversarial-rate':
      return verdict(rule, s.adversarial.rate <= rule.limit, `adversarial susceptibility ${percent(s.adversarial.rate)} ${s.adversarial.rate <= rule.limit ? '≤' : '>'} ${percent(rule.limit)}`);
    case 'max-random-rate': {
      const random = s.random.find((entry) => entry.alpha === rule.alpha);
      if (!random) return verdict(rule, false, `the run has no random perturbations at α = ${rule.alpha} (it has α = ${s.random.map((r) => r.alpha).join(', ')})`);
      return verdict(rule, random.rate <= rule.limit, `random susceptibility at α = ${rule.alpha} ${percent(random.rate)} ${random.rate <= rule.limit ? '≤' : '>'} ${percent(rule.limit)}`);
    }
    case 'min-accuracy':
      return verdict(rule, s.accuracy >= rule.limit, `accuracy ${percent(s.accuracy)} ${s.accuracy >= rule.limit ? '≥' : '<'} ${percent(rule.limit)}`);
    default:
      return evaluateAgainstBaseline(rule, report, baseline);
  }
}

function evaluateAgainstBaseline(rule: GateRule, report: Report, baseline: Report | null): GateVerdict {
  if (!baseline) return verdict(rule, false, 'needs --baseline');
  const s = report.summary;
  const b = baseline.summary;
  switch (rule.kind) {
    case 'max-accuracy-drop': {
      const drop = b.accuracy - s.accuracy;
      return verdict(rule, drop <= rule.limit, `accuracy ${percent(s.accuracy)} against the baseline's ${percent(b.accuracy)}: a drop of ${percent(drop)} ${drop <= rule.limit ? '≤' : '>'} ${percent(rule.limit)}`);
    }
    case 'max-median-eps-drop': {
      const now = medianEps(report);
      const before = medianEps(baseline);
      if (before === Infinity) {
        return now === Infinity ? verdict(rule, true, 'no image is susceptible in either run') : verdict(rule, false, `median ε* ${number(now)}; the baseline had no susceptible image`);
      }
      const drop = now === Infinity ? -Infinity : (before - now) / before;
      const passed = drop <= rule.limit;
      return verdict(rule, passed, `median ε* ${now === Infinity ? 'none susceptible' : number(now)} against the baseline's ${number(before)}: ${drop > 0 ? `a drop of ${percent(drop)}` : 'no drop'} ${passed ? '≤' : '>'} ${percent(rule.limit)}`);
    }
    case 'max-adversarial-rate-increase': {
      const increase = s.adversarial.rate - b.adversarial.rate;
      return verdict(rule, increase <= rule.limit, `adversarial susceptibility ${percent(s.adversarial.rate)} against the baseline's ${percent(b.adversarial.rate)}: ${increase > 0 ? `up ${percent(increase)}` : 'no increase'} ${increase <= rule.limit ? '≤' : '>'} ${percent(rule.limit)}`);
    }
    default:
      throw new Error(`unknown gate ${(rule as GateRule).kind}`);
  }
}

/** One verdict per rule, after one for the run itself: it must be complete and have analysed an image. */
export function evaluateGates(rules: readonly GateRule[], report: Report, baseline: Report | null = null): GateVerdict[] {
  const complete = report.status !== 'cancelled' && report.summary.images > 0;
  const runVerdict: GateVerdict = {
    name: 'complete run',
    passed: complete,
    message: report.summary.images === 0 ? 'the run analysed no image' : report.status === 'cancelled' ? 'the run was cancelled before every image was analysed' : `${report.summary.images} images analysed`,
  };
  return [runVerdict, ...rules.map((rule) => evaluate(rule, report, baseline))];
}
