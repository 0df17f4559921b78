import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, parseArgs, usage } from '../../src/cli/args';

const required = ['--model', 'm/model.json', '--data', 'data', '--out', 'out'];

function check(...extra: string[]) {
  const command = parseArgs(['check', ...required, ...extra]);
  assert.equal(command.kind, 'check');
  return command.kind === 'check' ? command : (undefined as never);
}

function usageError(argv: string[], message: string) {
  assert.throws(() => parseArgs(argv), (error: unknown) => error instanceof UsageError && error.message === message);
}

describe('parseArgs: check', () => {
  it('fills in the contract defaults', () => {
    assert.deepEqual(check(), {
      kind: 'check',
      verbose: false,
      options: {
        model: 'm/model.json', data: 'data', out: 'out', attack: 'fgm-line', alphas: [1, 2, 5, 10], samples: 2000, scales: 256, maxEps: 10, seed: 0,
        clip: false, backend: 'auto', forward: 'auto', fresh: false,
      },
    });
  });

  it('reads every option, in both --flag value and --flag=value forms', () => {
    const command = check(
      '--labels', 'labels.txt', '--attack', 'deepfool', '--alphas=0.5,1,2e1', '--samples', '200', '--scales=64', '--max-eps', '2.5', '--limit', '12',
      '--seed=42', '--clip', '--backend', 'wasm', '--forward=tfjs', '--workers', '3', '--shard', '1/4', '--details=5', '--fresh', '--verbose',
    );
    assert.deepEqual(command, {
      kind: 'check',
      verbose: true,
      options: {
        model: 'm/model.json', data: 'data', out: 'out', labels: 'labels.txt', attack: 'deepfool', alphas: [0.5, 1, 20], samples: 200, scales: 64, maxEps: 2.5,
        limit: 12, seed: 42, clip: true, backend: 'wasm', forward: 'tfjs', workers: 3, shard: { index: 1, count: 4 }, details: 5, fresh: true,
      },
    });
  });

  it('takes --workers auto as the number of cores', () => {
    assert.equal(check('--workers', 'auto').options.workers, undefined);
  });

  it('accepts both attacks, in both forms', () => {
    assert.equal(check('--attack', 'fgm-line').options.attack, 'fgm-line');
    assert.equal(check('--attack=deepfool').options.attack, 'deepfool');
  });

  it('accepts every backend of the contract', () => {
    for (const backend of ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']) assert.equal(check('--backend', backend).options.backend, backend);
  });

  it('accepts every forward engine and rejects others', () => {
    for (const forward of ['auto', 'onnxruntime', 'tfjs']) assert.equal(check('--forward', forward).options.forward, forward);
    usageError(['check', '--model', 'm', '--data', 'd', '--out', 'o', '--forward', 'onnx'], '--forward must be one of auto, onnxruntime, tfjs, got "onnx"');
  });

  it('rejects bad arguments with one line naming the flag', () => {
    usageError(['check', '--data', 'd', '--out', 'o'], '--model is required');
    usageError(['check', '--model', 'm', '--out', 'o'], '--data is required');
    usageError(['check', '--model', 'm', '--data', 'd'], '--out is required');
    usageError(['check', ...required, '--sampels', '3'], 'unknown option --sampels');
    usageError(['check', ...required, '--samples'], '--samples needs a value');
    usageError(['check', ...required, '--samples', '--clip'], '--samples needs a value');
    usageError(['check', ...required, '--samples', 'many'], '--samples must be a whole number, got "many"');
    usageError(['check', ...required, '--samples', '0'], '--samples must be a positive integer, got 0');
    usageError(['check', ...required, '--scales', '2.5'], '--scales must be a whole number, got "2.5"');
    usageError(['check', ...required, '--max-eps', '-1'], '--max-eps must be a positive number, got -1');
    usageError(['check', ...required, '--max-eps', '1x'], '--max-eps must be a number, got "1x"');
    usageError(['check', ...required, '--alphas', '1,,2'], '--alphas must be a comma list of numbers, got "1,,2"');
    usageError(['check', ...required, '--alphas', '1,0'], '--alphas values must be positive numbers, got 0');
    usageError(['check', ...required, '--alphas', '1,1'], '--alphas lists a value twice');
    usageError(['check', ...required, '--limit', '0'], '--limit must be a positive integer, got 0');
    usageError(['check', ...required, '--sample', '0'], '--sample must be a positive integer, got 0');
    usageError(['check', ...required, '--seed', '-3'], '--seed must be a whole number, got "-3"');
    usageError(['check', ...required, '--attack', 'pgd'], '--attack must be one of fgm-line, deepfool, ddn, fmn, best, got "pgd"');
    usageError(['check', ...required, '--preprocess', 'torch'], '--preprocess must be one of unit, symmetric, 255, imagenet, caffe, got "torch"');
    usageError(['check', ...required, '--std', '0.5,0'], '--std values must not be 0');
    usageError(['check', ...required, '--attack'], '--attack needs a value');
    usageError(['check', ...required, '--backend', 'gpu'], '--backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, cuda, webgpu, got "gpu"');
    usageError(['check', ...required, '--workers', '0'], '--workers must be a positive integer, got 0');
    usageError(['check', ...required, '--shard', '4/4'], '--shard must be i/n with 0 <= i < n, got 4/4');
    usageError(['check', ...required, '--shard', '1-4'], '--shard must be i/n, e.g. 0/4, got "1-4"');
    usageError(['check', ...required, '--details', '-1'], '--details must be a whole number, got "-1"');
    usageError(['check', ...required, '--clip=yes'], '--clip takes no value');
    usageError(['check', ...required, '--seed', '1', '--seed', '2'], '--seed given twice');
    usageError(['check', ...required, 'extra'], 'unexpected argument "extra" (check takes only options)');
  });
});

describe('parseArgs: merge, help, version', () => {
  it('reads merge with its shard folders', () => {
    assert.deepEqual(parseArgs(['merge', '--out', 'all', 's0', 's1']), { kind: 'merge', out: 'all', shards: ['s0', 's1'] });
    assert.deepEqual(parseArgs(['merge', 's0', '--details', '3', '--out=all', 's1']), { kind: 'merge', out: 'all', shards: ['s0', 's1'], details: 3 });
    usageError(['merge', 's0'], '--out is required');
    usageError(['merge', '--out', 'all'], 'merge needs the shard output folders to merge');
    usageError(['merge', '--out', 'all', '--seed', '1', 's0'], 'unknown option --seed');
  });

  it('answers --help and --version, and rejects a missing or unknown command', () => {
    assert.deepEqual(parseArgs(['--help']), { kind: 'help', text: usage });
    assert.deepEqual(parseArgs(['check', '--help']), { kind: 'help', text: usage });
    assert.deepEqual(parseArgs(['--version']), { kind: 'version' });
    usageError([], 'missing command: check or merge');
    usageError(['audit'], 'unknown command "audit" (check, merge, compare or gate)');
    usageError(['--model', 'm'], 'unknown option --model before the command (check, merge, compare or gate)');
  });

  it('documents every check option in the usage text', () => {
    for (const flag of ['--model', '--data', '--labels', '--attack', '--out', '--alphas', '--samples', '--scales', '--max-eps', '--limit', '--seed', '--clip', '--backend', '--workers', '--shard', '--details', '--fresh', '--sample', '--batch-mb']) {
      assert.ok(usage.includes(`${flag} `), `usage mentions ${flag}`);
    }
  });
});

describe('parseArgs: --model formats', () => {
  const check = (model: string) => parseArgs(['check', '--model', model, '--data', 'd', '--out', 'o']);
  it('takes Keras files, SavedModel folders, ONNX and TF.js models', () => {
    for (const model of ['net.keras', 'net.h5', 'exported_model', 'net.onnx', 'model.json']) {
      const command = check(model);
      assert.equal(command.kind, 'check');
      assert.equal(command.kind === 'check' && command.options.model, model);
    }
  });
  it('refuses other formats by name, saying what to give instead', () => {
    assert.throws(() => check('net.pt'), (error: Error) => error instanceof UsageError && /^--model: net\.pt is a PyTorch file: export the model to ONNX/.test(error.message));
    assert.throws(() => check('exported/saved_model.pb'), /^Error: --model: saved_model\.pb is a SavedModel's graph: give the SavedModel folder that holds it$/);
  });
  it('--help names every model format', () => {
    assert.match(usage, /\.keras from Keras 3, \.h5 from Keras 2/);
    assert.match(usage, /SavedModel folder/);
  });
});
