import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAlphas, parseSetting } from '../../src/extension/option-values';
import { contractDefaults, resolveSettings, SettingsError } from '../../src/extension/settings';

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown }> = manifest.contributes.configuration.properties;

const source = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

describe('settings resolution', () => {
  it('gives the command line defaults when nothing is set', () => {
    assert.deepEqual(resolveSettings(source({})), {
      attack: 'fgm-line',
      attackOptions: { steps: 100, ddnGamma: 0.05, ddnInitEps: 1, fmnAlpha: 1, fmnAlphaFinal: 0.01, fmnGamma: 0.05, fmnGammaFinal: 0.001, refine: false, randomPerAttack: false },
      alphas: [1, 2, 5, 10],
      samples: 2000,
      scales: 256,
      maxEps: 10,
      limit: 0,
      seed: 0,
      clip: false,
      rareEvent: false,
      rareEventBudget: 20000,
      backend: 'auto',
      forward: 'auto',
      preprocessing: { preset: 'unit' },
      workers: 0,
      nodePath: '',
      batchMemoryMb: 256,
      outputDirectory: '.robustness',
      detailImages: 24,
      quickLookImages: 50,
      quickLookSamples: 200,
    });
  });

  it('takes set values, trimmed where they are paths', () => {
    const s = resolveSettings(source({ attack: 'deepfool', alphas: [0.5, 3], samples: 10, backend: 'wasm', forward: 'onnxruntime', workers: 2, nodePath: ' /usr/bin/node ', outputDirectory: 'runs', 'quickLook.images': 7 }));
    assert.deepEqual([s.attack, s.alphas, s.samples, s.backend, s.forward, s.workers, s.nodePath, s.outputDirectory, s.quickLookImages], ['deepfool', [0.5, 3], 10, 'wasm', 'onnxruntime', 2, '/usr/bin/node', 'runs', 7]);
  });

  it('names the setting and the bad value', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ samples: -3 }, /^Setting robustnessLens\.samples must be a positive integer, got -3$/],
      [{ samples: 2.5 }, /robustnessLens\.samples/],
      [{ alphas: [] }, /^Setting robustnessLens\.alphas needs at least one value$/],
      [{ alphas: [1, 0] }, /^Setting robustnessLens\.alphas values must be positive numbers, got 0$/],
      [{ alphas: [2, 2] }, /^Setting robustnessLens\.alphas lists a value twice$/],
      [{ maxEps: 0 }, /^Setting robustnessLens\.maxEps must be a positive number, got 0$/],
      [{ attack: 'pgd' }, /^Setting robustnessLens\.attack must be one of fgm-line, deepfool, ddn, fmn, best, got "pgd"$/],
      [{ steps: 0 }, /^Setting robustnessLens\.steps must be a positive integer, got 0$/],
      [{ ddnGamma: 1 }, /^Setting robustnessLens\.ddnGamma must be a number in \(0, 1\), got 1$/],
      [{ refine: 'yes' }, /^Setting robustnessLens\.refine must be true or false, got "yes"$/],
      [{ backend: 'tpu' }, /robustnessLens\.backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, cuda, webgpu, got "tpu"$/],
      [{ preprocess: 'torch' }, /^Setting robustnessLens\.preprocess must be one of unit, symmetric, 255, imagenet, caffe \(got "torch"\)$/],
      [{ mean: [0.5, 'x'] }, /^Setting robustnessLens\.mean must be a list of numbers/],
      [{ std: [0] }, /^Setting robustnessLens\.std must not hold 0$/],
      [{ forward: 'onnx' }, /^Setting robustnessLens\.forward must be one of auto, onnxruntime, tfjs, got "onnx"$/],
      [{ clip: 'yes' }, /robustnessLens\.clip must be true or false/],
      [{ outputDirectory: '  ' }, /robustnessLens\.outputDirectory must be a folder path/],
      [{ seed: -1 }, /^Setting robustnessLens\.seed must be a non-negative integer, got -1$/],
      [{ rareEventBudget: 100 }, /^Setting robustnessLens\.rareEventBudget must be an integer of at least 200 forward passes, got 100$/],
      [{ detailImages: 1.5 }, /^Setting robustnessLens\.detailImages must be a non-negative integer, got 1\.5$/],
    ];
    for (const [values, message] of bad) assert.throws(() => resolveSettings(source(values)), (e: unknown) => e instanceof SettingsError && message.test((e as Error).message), JSON.stringify(values));
  });

  it('declares every setting it reads in package.json, with the same default', () => {
    const keys = Object.keys(properties).map((k) => k.replace(/^robustnessLens\./, ''));
    const read: string[] = [];
    resolveSettings({ get: <T>(key: string) => (read.push(key), undefined as T | undefined) });
    assert.deepEqual([...read].sort(), [...keys].sort());
    const defaults = resolveSettings(source({}));
    const byKey: Record<string, unknown> = {
      ...defaults,
      ...defaults.attackOptions,
      preprocess: defaults.preprocessing.preset,
      mean: defaults.preprocessing.mean ?? [],
      std: defaults.preprocessing.std ?? [],
      'quickLook.images': defaults.quickLookImages,
      'quickLook.samples': defaults.quickLookSamples,
    };
    for (const key of keys) assert.deepEqual(properties[`robustnessLens.${key}`].default, byKey[key], key);
    assert.deepEqual(properties['robustnessLens.backend'] && (properties['robustnessLens.backend'] as unknown as { enum: string[] }).enum, ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu', 'cuda', 'webgpu']);
    assert.deepEqual((properties['robustnessLens.forward'] as unknown as { enum: string[] }).enum, ['auto', 'onnxruntime', 'tfjs']);
    assert.equal(contractDefaults.samples, 2000);
  });
});

describe('option values typed in the Custom preset', () => {
  it('parses α lists and rejects bad ones with a reason', () => {
    assert.deepEqual(parseAlphas(' 1, 2,5 ,10'), { ok: true, value: [1, 2, 5, 10] });
    assert.deepEqual(parseAlphas('0.5'), { ok: true, value: [0.5] });
    for (const bad of ['', '1,,2', '1,-2', 'a', '1,1']) assert.equal(parseAlphas(bad).ok, false, bad);
  });

  it('parses the run settings typed in by their one rule', () => {
    assert.deepEqual(parseSetting('samples')('200'), { ok: true, value: 200 });
    assert.deepEqual(parseSetting('samples')('0'), { ok: false, reason: 'samples must be a positive integer, got 0' });
    assert.equal(parseSetting('scales')('2.5').ok, false);
    assert.deepEqual(parseSetting('seed')('0'), { ok: true, value: 0 });
    assert.deepEqual(parseSetting('seed')('-1'), { ok: false, reason: 'seed must be a non-negative integer, got -1' });
    assert.deepEqual(parseSetting('limit', 0)('0'), { ok: true, value: 0 }, '0: every image');
    assert.equal(parseSetting('workers', 0)('1.5').ok, false);
    assert.deepEqual(parseSetting('maxEps')('0.25'), { ok: true, value: 0.25 });
    assert.equal(parseSetting('maxEps')('0').ok, false);
    assert.deepEqual(parseSetting('maxEps')('Infinity'), { ok: false, reason: '"Infinity" is not a number' });
    assert.deepEqual(parseAlphas('2,2'), { ok: false, reason: 'alphas lists a value twice' });
  });
});
