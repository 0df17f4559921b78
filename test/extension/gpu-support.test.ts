import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { installGpuSupport } from '../../src/extension/gpu-support';
import { runProcess, type ProcessRunner } from '../../src/extension/native-backend';

const realPackage = createRequire(__filename).resolve('onnxruntime-node/package.json');

test('offline, the CUDA provider install fails with one sentence and the reason', async () => {
  const calls: string[][] = [];
  const offline: ProcessRunner = async (_command, args) => {
    calls.push(args);
    return { code: 1, output: 'Downloading "https://api.nuget.org/…"\nError: getaddrinfo ENOTFOUND api.nuget.org\n' };
  };
  const result = await installGpuSupport({ packageJson: realPackage, node: process.execPath, run: offline, onLine: () => {} });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /offline/);
  assert.ok(calls[0].includes('--onnxruntime-node-install=cuda12'), 'runs onnxruntime-node\'s own install script for CUDA 12');
});

test('a package without its install script is explained', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rl-gpu-'));
  mkdirSync(join(dir, 'onnxruntime-node'));
  writeFileSync(join(dir, 'onnxruntime-node', 'package.json'), '{}');
  const result = await installGpuSupport({ packageJson: join(dir, 'onnxruntime-node', 'package.json'), node: process.execPath, run: runProcess, onLine: () => {} });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /install script is missing/);
});
