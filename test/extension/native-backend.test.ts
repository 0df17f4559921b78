/**
 * The native backend install, with a stand-in `npm` (a real executable script) that replays what
 * npm printed here or installs a small package, and real Node checking that the package loads.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installNativeBackend, isInstalled, nativeModulesDir, runProcess, type NativeVariant } from '../../src/extension/native-backend';
import { tempFolder } from './fixtures';

const tmp = tempFolder('native');
after(() => tmp.remove());

// What `npm install @tensorflow/tfjs-node@4.22.0` printed on this machine (registry reachable, Google storage not).
const libtensorflowFailure = `npm error code 1
npm error path /tmp/native/node_modules/@tensorflow/tfjs-node
npm error command failed
npm error command sh -c node scripts/install.js
npm error CPU-linux-4.22.0.tar.gz
npm error https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz
npm error * Downloading libtensorflow
npm error Error: getaddrinfo ENOTFOUND storage.googleapis.com
npm error     at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)
npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log`;

const registryOffline = `npm error code ENOTFOUND
npm error syscall getaddrinfo
npm error errno ENOTFOUND
npm error network request to https://registry.npmjs.org/@tensorflow%2ftfjs-node failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org
npm error network This is a problem related to network connectivity.`;

let scripts = 0;
/** An executable stand-in for npm: prints `output` to stderr and exits with `code`, after running `body`. */
function fakeNpm(output: string, code: number, body = ''): string {
  const path = join(tmp.path, `npm-${scripts++}`);
  writeFileSync(path, `#!${process.execPath}\nconst args = process.argv.slice(2);\n${body}\nprocess.stderr.write(${JSON.stringify(output)} + '\\n');\nprocess.exit(${code});\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A stand-in that "installs" the package into --prefix with the given index.js. */
function installingNpm(indexJs: string): string {
  return fakeNpm(
    'added 1 package in 1s',
    0,
    `const fs = require('fs'); const path = require('path');
const prefix = args[args.indexOf('--prefix') + 1];
const spec = args[args.length - 1];
const name = spec.slice(0, spec.lastIndexOf('@'));
const dir = path.join(prefix, 'node_modules', ...name.split('/'));
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: spec.slice(spec.lastIndexOf('@') + 1), main: 'index.js' }));
fs.writeFileSync(path.join(dir, 'index.js'), ${JSON.stringify(indexJs)});`,
  );
}

async function install(npm: string, variant: NativeVariant = 'tfjs-node', storage = join(tmp.path, `storage-${scripts}`)) {
  const lines: string[] = [];
  const result = await installNativeBackend({ variant, globalStorage: storage, npm, node: process.execPath, run: runProcess, onLine: (l) => lines.push(l) });
  return { result, lines, storage };
}

describe('installing the native TensorFlow backend', () => {
  it('installs into global storage and checks that it loads', async () => {
    const { result, lines, storage } = await install(installingNpm('module.exports = {};'));
    assert.deepEqual(result, { ok: true, modulesDir: nativeModulesDir(storage) });
    assert.ok(isInstalled(storage, 'tfjs-node'));
    assert.equal(JSON.parse(readFileSync(join(storage, 'native', 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'), 'utf8')).version, '4.22.0');
    assert.equal(JSON.parse(readFileSync(join(storage, 'native', 'package.json'), 'utf8')).private, true);
    assert.ok(lines.includes('added 1 package in 1s'));
    assert.ok(lines.includes('loaded'));
  });

  it('says that libtensorflow could not be downloaded when its install script is cut off', async () => {
    const { result } = await install(fakeNpm(libtensorflowFailure, 1));
    assert.deepEqual(result, { ok: false, reason: 'npm fetched @tensorflow/tfjs-node, but its install script could not download libtensorflow from storage.googleapis.com (no connection to it)' });
  });

  it('says the machine looks offline when the registry cannot be reached', async () => {
    const { result, storage } = await install(fakeNpm(registryOffline, 1), 'tfjs-node-gpu');
    assert.deepEqual(result, { ok: false, reason: 'npm could not reach the package registry: this machine looks offline (or a proxy blocks it)' });
    assert.equal(isInstalled(storage, 'tfjs-node-gpu'), false);
  });

  it('says when npm itself is missing', async () => {
    const { result } = await install(join(tmp.path, 'no-such-npm'));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^npm could not be started \(.*no-such-npm: .*ENOENT.*\); install Node\.js with npm/);
  });

  it('names CUDA when tfjs-node-gpu installs but its libraries are missing', async () => {
    const { result } = await install(installingNpm("throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');"), 'tfjs-node-gpu');
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /^tfjs-node-gpu installed but does not load: .*libcudart\.so\.11\.0: cannot open shared object file.*It needs Linux x64, an NVIDIA driver, CUDA 11\.2 and cuDNN 8\.1/);
  });

  it('reports any other npm failure with its last error line', async () => {
    const { result } = await install(fakeNpm('npm error code EACCES\nnpm error Error: EACCES: permission denied, mkdir \'/x\'', 243));
    assert.deepEqual(result, { ok: false, reason: "npm install of @tensorflow/tfjs-node@4.22.0 failed (exit code 243): Error: EACCES: permission denied, mkdir '/x'" });
    assert.equal(existsSync(join(tmp.path, 'x')), false);
  });
});
