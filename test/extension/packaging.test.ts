/**
 * `npm run package` (scripts/package.mjs): the .vsix of this platform holds the bundles, media and
 * ONNX Runtime's runtime files with this platform's binaries only, and the CLI unpacked from it
 * runs its forward passes on ONNX Runtime. Needs `vsce` (a dev dependency) and builds dist/ first.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { tempFolder } from './fixtures';
import { unzip } from '../fixtures/zip';

const root = join(import.meta.dirname, '..', '..');
const tmp = tempFolder('package');
after(() => tmp.remove());

before(() => {
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'extension', 'worker', 'cli', 'webview'], { cwd: root, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
});

/** Packages into <tmp>/<name>.vsix, unpacks it into <tmp>/<name>/; the files under extension/. */
function packageAs(name: string, args: string[]): string[] {
  const vsix = join(tmp.path, `${name}.vsix`);
  const packaged = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), ...args, '--out', vsix], { cwd: root, encoding: 'utf8' });
  assert.equal(packaged.status, 0, packaged.stderr || packaged.stdout);
  return unzip(vsix, join(tmp.path, name))
    .filter((f) => f.startsWith('extension/'))
    .map((f) => f.slice('extension/'.length));
}

describe("this platform's .vsix", () => {
  let files: string[] = [];
  const unpacked = join(tmp.path, 'here', 'extension');
  const binaries = `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/`;

  before(() => {
    files = packageAs('here', []);
  });

  it("holds the bundles, media and ONNX Runtime's runtime files with this platform's binaries", () => {
    const needed = ['package.json', 'dist/extension.js', 'dist/worker.js', 'dist/theory-worker.js', 'dist/cli.js', 'dist/h5wasm.js', 'dist/tfjs-backend-wasm.wasm', 'media/demo/model/model.json'];
    const onnxRuntime = ['node_modules/onnxruntime-node/package.json', 'node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-node/dist/binding.js', 'node_modules/onnxruntime-common/package.json', 'node_modules/onnxruntime-common/dist/cjs/package.json', 'node_modules/onnxruntime-common/dist/cjs/index.js', `${binaries}onnxruntime_binding.node`];
    const sharp = ['node_modules/sharp/package.json', 'node_modules/sharp/dist/index.cjs', 'node_modules/@img/colour/index.cjs', 'node_modules/detect-libc/lib/detect-libc.js', 'node_modules/semver/index.js', `node_modules/@img/sharp-${process.platform}-${process.arch}/package.json`];
    for (const file of [...needed, ...onnxRuntime, ...sharp]) assert.ok(files.includes(file), `${file} is missing from the .vsix`);
    assert.ok(files.some((file) => file.startsWith(`node_modules/@img/sharp-libvips-${process.platform}-${process.arch}/lib/libvips`)), 'libvips is missing from the .vsix');
  });

  it("leaves out other platforms' binaries, install scripts, other packages and development files", () => {
    const unwanted = files.filter(
      (f) =>
        /^(src|test|scripts|webview)\//.test(f) ||
        f.endsWith('.map') ||
        f.endsWith('.ts') ||
        (f.startsWith('node_modules/onnxruntime-node/bin/') && !f.startsWith(binaries)) ||
        /^node_modules\/onnxruntime-node\/(script|lib|node_modules)\//.test(f) ||
        /^node_modules\/onnxruntime-common\/(lib|dist\/esm)\//.test(f) ||
        (f.startsWith('node_modules/@img/sharp-') && !f.startsWith(`node_modules/@img/sharp-${process.platform}-${process.arch}/`) && !f.startsWith(`node_modules/@img/sharp-libvips-${process.platform}-${process.arch}/`)) ||
        (f.startsWith('node_modules/') && !/^node_modules\/(onnxruntime-(node|common)|sharp|@img\/(colour|sharp-[^/]+)|detect-libc|semver)\//.test(f)),
    );
    assert.deepEqual(unwanted, []);
  });

  it('runs a check from its CLI with the forward passes on ONNX Runtime', () => {
    const out = join(tmp.path, 'run');
    const demo = join(unpacked, 'media', 'demo');
    const args = ['check', '--model', join(demo, 'model', 'model.json'), '--data', join(demo, 'data'), '--out', out, '--limit', '2', '--samples', '50', '--workers', '1', '--forward', 'onnxruntime'];
    // From a folder outside the repository: ONNX Runtime resolves from the .vsix's node_modules only.
    const ran = spawnSync(process.execPath, [join(unpacked, 'dist', 'cli.js'), ...args], { cwd: tmp.path, encoding: 'utf8' });
    assert.equal(ran.status, 0, ran.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    assert.equal(report.status, 'complete');
    assert.equal(report.config.forward, 'onnxruntime');
    assert.equal(report.images.length, 2);
  });
});

describe('a target ONNX Runtime ships no binaries for', () => {
  it('is packaged without ONNX Runtime, for that target', () => {
    const files = packageAs('alpine', ['--target', 'alpine-x64']);
    assert.ok(files.includes('dist/worker.js'));
    assert.deepEqual(files.filter((f) => f.startsWith('node_modules/')), []);
    const manifest = readFileSync(join(tmp.path, 'alpine', 'extension.vsixmanifest'), 'utf8');
    assert.match(manifest, /TargetPlatform="alpine-x64"/);
  });
});
