// Packages the extension as a platform-specific .vsix with @vscode/vsce (the bundles in dist/ must
// be built first: `npm run package` builds them).
// Usage: node scripts/package.mjs [--target <vscode-target>] [--out <file.vsix>]
//   --target: a VS Code target such as linux-x64 or darwin-arm64; default: this machine's.
//
// The bundles carry every runtime dependency but ONNX Runtime, a native addon the workers require
// at run time from node_modules beside dist/. The .vsix holds its JavaScript and, of its binaries,
// only the target's: .vscodeignore lists the platform-independent files, this script adds the
// binaries' folder to a copy of it. A target ONNX Runtime ships no binaries for gets a package
// without it, whose checks run their forward passes on TF.js.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const onnxRuntimePackages = ['node_modules/onnxruntime-node/', 'node_modules/onnxruntime-common/'];

/** The VS Code target of this machine: `linux-x64`, `darwin-arm64`, `alpine-x64`, … */
function currentTarget(platform = process.platform, arch = process.arch, glibc = glibcVersion()) {
  const archName = { x64: 'x64', arm64: 'arm64', arm: 'armhf' }[arch];
  const platformName = platform === 'linux' && !glibc ? 'alpine' : { win32: 'win32', darwin: 'darwin', linux: 'linux' }[platform];
  if (!archName || !platformName) throw new Error(`no VS Code target for ${platform}-${arch}: pass --target`);
  return `${platformName}-${archName}`;
}

/**
 * ONNX Runtime's binaries folder for a VS Code target, relative to the repository; null where the
 * installed onnxruntime-node ships none for it (musl, armhf, darwin-x64 in 1.30).
 */
function onnxRuntimeBinaries(target) {
  if (!existsSync(join(root, 'node_modules/onnxruntime-node/package.json'))) throw new Error('onnxruntime-node is not installed: run npm install');
  const [platform, arch] = target.split('-');
  // Alpine's musl cannot load the glibc builds of the linux folders.
  if (platform === 'alpine' || platform === 'web') return null;
  const folder = `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}`;
  return existsSync(join(root, folder, 'onnxruntime_binding.node')) ? folder : null;
}

/** .vscodeignore's lines for `target`: with the target's ONNX Runtime binaries, or without ONNX Runtime; with the target's sharp addon and libvips where installed. */
function ignoreLines(vscodeignore, binaries, sharpPackages) {
  const lines = vscodeignore.split('\n');
  const withSharp = [...lines, ...sharpPackages.map((folder) => `!${folder}/**`)];
  if (binaries === null) return withSharp.filter((line) => !onnxRuntimePackages.some((pkg) => line.startsWith(`!${pkg}`)));
  return [...withSharp, `!${binaries}/*`];
}

/**
 * sharp's native packages for a VS Code target (npm installs only this machine's): its addon
 * (@img/sharp-<os>-<arch>) and libvips (@img/sharp-libvips-<os>-<arch>); none where not installed.
 */
function sharpPackagesFor(target) {
  const [platform, arch] = target.split('-');
  const os = platform === 'alpine' ? 'linuxmusl' : platform;
  const folders = [`node_modules/@img/sharp-${os}-${arch}`, `node_modules/@img/sharp-libvips-${os}-${arch}`];
  return folders.filter((folder) => existsSync(join(root, folder, 'package.json')));
}

function glibcVersion() {
  return process.platform === 'linux' ? process.report.getReport().header.glibcVersionRuntime : undefined;
}

function parseArgs(args) {
  const options = { target: undefined, out: undefined };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if ((flag === '--target' || flag === '--out') && args[i + 1] !== undefined) options[flag.slice(2)] = args[++i];
    else throw new Error(`unknown argument "${flag}" (usage: node scripts/package.mjs [--target <vscode-target>] [--out <file.vsix>])`);
  }
  return options;
}

function packageExtension({ target, out }) {
  if (!existsSync(join(root, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const binaries = onnxRuntimeBinaries(target);
  if (binaries === null) console.log(`onnxruntime-node ships no binaries for ${target}: the package runs its forward passes on TF.js`);
  const scratch = mkdtempSync(join(tmpdir(), 'robustness-lens-package-'));
  try {
    const ignoreFile = join(scratch, '.vscodeignore');
    const sharpPackages = sharpPackagesFor(target);
    if (sharpPackages.length < 2) console.log(`sharp's native packages for ${target} are not installed here: the package cannot decode image files on ${target}`);
    writeFileSync(ignoreFile, ignoreLines(readFileSync(join(root, '.vscodeignore'), 'utf8'), binaries, sharpPackages).join('\n'));
    const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    // Without --no-dependencies vsce lists the production dependencies' files (npm list); the
    // ignore file keeps ONNX Runtime's runtime files of them and drops the rest (bundled in dist/).
    const args = [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, ...(binaries === null ? ['--no-dependencies'] : []), ...(out ? ['--out', out] : [])];
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`vsce package failed (exit ${result.status ?? result.signal})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  const options = parseArgs(process.argv.slice(2));
  packageExtension({ target: options.target ?? currentTarget(), out: options.out });
} catch (error) {
  console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
