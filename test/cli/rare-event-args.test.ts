import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../src/cli/args';
import { runConfigOf } from '../../src/run/run-config';

const base = ['check', '--model', 'm.json', '--data', 'd', '--out', 'o'];

test('--rare-event is off by default and --rare-event-budget defaults to 20 000', () => {
  const plain = parseArgs(base);
  assert.ok(plain.kind === 'check' && plain.options.rareEvent === undefined);
  assert.ok(plain.kind === 'check' && runConfigOf(plain.options, [], null).rareEventBudget === null);
  const on = parseArgs([...base, '--rare-event']);
  assert.ok(on.kind === 'check' && on.options.rareEvent === true);
  assert.ok(on.kind === 'check' && runConfigOf(on.options, [], null).rareEventBudget === 20_000);
  const budget = parseArgs([...base, '--rare-event', '--rare-event-budget', '5000']);
  assert.ok(budget.kind === 'check' && budget.options.rareEventBudget === 5000);
});

test('a bad rare-event budget is a one-line usage error', () => {
  assert.throws(() => parseArgs([...base, '--rare-event-budget', '5000']), (e: unknown) => e instanceof UsageError && /needs --rare-event/.test(e.message));
  assert.throws(() => parseArgs([...base, '--rare-event', '--rare-event-budget', '100']), (e: unknown) => e instanceof UsageError && /at least 200/.test(e.message));
  assert.throws(() => parseArgs([...base, '--rare-event', '--rare-event-budget', 'many']), UsageError);
});
