import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError, parseArgs, usage } from '../../src/cli/args';
import { attackOptionRules } from '../../src/engine/attacks/options';
import { runConfigOf } from '../../src/run/run-config';
import { settingsDifference, type ResultSettings } from '../../src/run/run-file';
import { checkOptionsProblem } from '../../src/run/validate';

const required = ['--model', 'm/model.json', '--data', 'data', '--out', 'out'];

function options(...extra: string[]) {
  const command = parseArgs(['check', ...required, ...extra]);
  assert.equal(command.kind, 'check');
  return command.kind === 'check' ? command.options : (undefined as never);
}

function usageError(extra: string[], message: string) {
  assert.throws(() => parseArgs(['check', ...required, ...extra]), (error: unknown) => error instanceof UsageError && error.message === message);
}

describe('attack options on the command line', () => {
  it('are absent unless given, so the defaults apply', () => {
    assert.equal(options().attackOptions, undefined);
    assert.equal(options('--attack', 'ddn').attack, 'ddn');
  });

  it('parses every flag, and --fmn-alpha-final follows --fmn-alpha unless given', () => {
    assert.deepEqual(options('--attack', 'best', '--steps', '250', '--ddn-gamma', '0.1', '--ddn-init-eps', '0.5', '--fmn-alpha', '3', '--fmn-gamma', '0.2', '--fmn-gamma-final', '0.01', '--refine').attackOptions, {
      steps: 250,
      ddnGamma: 0.1,
      ddnInitEps: 0.5,
      fmnAlpha: 3,
      fmnAlphaFinal: 0.03,
      fmnGamma: 0.2,
      fmnGammaFinal: 0.01,
      refine: true,
    });
    assert.deepEqual(options('--attack', 'best', '--random-per-attack').attackOptions, { randomPerAttack: true });
    assert.deepEqual(options('--fmn-alpha', '2', '--fmn-alpha-final', '0.5').attackOptions, { fmnAlpha: 2, fmnAlphaFinal: 0.5 });
    assert.deepEqual(options('--refine').attackOptions, { refine: true });
  });

  it('refuses bad values with one line naming the flag', () => {
    usageError(['--steps', '0'], '--steps must be a positive integer, got 0');
    usageError(['--steps', '1.5'], '--steps must be a whole number, got "1.5"');
    usageError(['--attack', 'pgd'], '--attack must be one of fgm-line, deepfool, ddn, fmn, best, got "pgd"');
    usageError(['--ddn-gamma', '1'], '--ddn-gamma must be a number in (0, 1), got 1');
    usageError(['--ddn-gamma', '0'], '--ddn-gamma must be a number in (0, 1), got 0');
    usageError(['--fmn-gamma', '1.5'], '--fmn-gamma must be a number in (0, 1), got 1.5');
    usageError(['--fmn-gamma-final', '-0.1'], '--fmn-gamma-final must be a number in (0, 1), got -0.1');
    usageError(['--ddn-init-eps', '0'], '--ddn-init-eps must be a positive number, got 0');
    usageError(['--fmn-alpha', 'fast'], '--fmn-alpha must be a number, got "fast"');
    usageError(['--refine=yes'], '--refine takes no value');
  });

  it('are listed in --help, one line each', () => {
    for (const { flag } of Object.values(attackOptionRules)) assert.match(usage, new RegExp(`^  ${flag} `, 'm'), flag);
    assert.match(usage, /best \(all\s+four, keeping the smallest perturbation per image\)/);
  });

  it('are checked for callers other than the CLI too', () => {
    const base = options();
    assert.equal(checkOptionsProblem({ ...base, attackOptions: { steps: 0 } }), '--steps must be a positive integer, got 0');
    assert.equal(checkOptionsProblem({ ...base, attack: 'fmn', attackOptions: { fmnGamma: 2 } }), '--fmn-gamma must be a number in (0, 1), got 2');
    assert.equal(checkOptionsProblem({ ...base, attackOptions: { steps: 10 } }), null);
  });

  it('the report config records the options the attack reads, resolved', () => {
    const config = (...extra: string[]) => runConfigOf(options(...extra), ['a', 'b'], null).attackOptions;
    assert.deepEqual(config(), { refine: false });
    assert.deepEqual(config('--refine'), { refine: true });
    assert.deepEqual(config('--attack', 'deepfool', '--steps', '5'), {});
    assert.deepEqual(config('--attack', 'ddn', '--steps', '5'), { steps: 5, ddnGamma: 0.05, ddnInitEps: 1 });
    assert.deepEqual(config('--attack', 'fmn'), { steps: 100, fmnAlpha: 1, fmnAlphaFinal: 0.01, fmnGamma: 0.05, fmnGammaFinal: 0.001 });
  });

  it('a resume refuses other attack options but accepts runs from before they were recorded', () => {
    const settings: ResultSettings = { model: 'm', modelHash: 'h', data: 'd', labels: null, classes: ['a', 'b'], attack: 'fgm-line', scales: 256, maxEps: 10, alphas: [1], samples: 10, seed: 0, clip: false };
    assert.equal(settingsDifference(settings, { ...settings, attackOptions: { refine: false } }), null);
    assert.equal(settingsDifference(settings, { ...settings, attackOptions: { refine: true } }), 'attack options {"refine":false} → {"refine":true}');
    assert.equal(settingsDifference({ ...settings, attack: 'deepfool' }, { ...settings, attack: 'deepfool', attackOptions: {} }), null);
    const ddn = { ...settings, attack: 'ddn', attackOptions: { steps: 100, ddnGamma: 0.05, ddnInitEps: 1 } };
    assert.equal(settingsDifference(ddn, { ...ddn, attackOptions: { ...ddn.attackOptions, steps: 50 } }), 'attack options {"steps":100,"ddnGamma":0.05,"ddnInitEps":1} → {"steps":50,"ddnGamma":0.05,"ddnInitEps":1}');
  });

  it('the CLI exits 2 with one line for a bad attack option', () => {
    const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
    const run = spawnSync(process.execPath, [cli, 'check', ...required, '--attack', 'fmn', '--fmn-gamma', '1'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.split('\n')[0], 'robustness-lens: --fmn-gamma must be a number in (0, 1), got 1');
  });
});
