/** Gate verdicts as JUnit XML, the format CI systems show as test results (one testcase per gate). */
import type { GateVerdict } from '../engine/gate';
import { escapeAttribute, escapeHtml } from './escape';

export function junitXml(suite: string, verdicts: readonly GateVerdict[], timestamp: Date): string {
  const failures = verdicts.filter((v) => !v.passed).length;
  const cases = verdicts.map((v) => {
    const open = `    <testcase classname="${escapeAttribute(suite)}" name="${escapeAttribute(v.name)}" time="0">`;
    const body = v.passed ? `\n      <system-out>${escapeHtml(v.message)}</system-out>` : `\n      <failure message="${escapeAttribute(v.message)}" type="gate">${escapeHtml(v.message)}</failure>`;
    return `${open}${body}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="robustness-lens gate" tests="${verdicts.length}" failures="${failures}">`,
    `  <testsuite name="${escapeAttribute(suite)}" tests="${verdicts.length}" failures="${failures}" errors="0" skipped="0" timestamp="${timestamp.toISOString()}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
