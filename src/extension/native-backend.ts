/**
 * Installs the native TensorFlow backend (tfjs-node or tfjs-node-gpu) into the extension's global
 * storage with npm, then checks that it loads. Workers find it through ROBUSTNESS_LENS_NATIVE_MODULES.
 * Any failure is explained in one sentence; the wasm backend keeps working either way.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type NativeVariant = 'tfjs-node' | 'tfjs-node-gpu';

/** The TF.js version the engine is built on; the native backend must match it. */
export const tfjsVersion = '4.22.0';
export const nativeModulesVariable = 'ROBUSTNESS_LENS_NATIVE_MODULES';
/** What tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs on the machine. */
export const gpuRequirements = 'Linux x64, an NVIDIA driver, CUDA 11.2 and cuDNN 8.1 (libtensorflow 2.9.1)';

export function nativeDir(globalStorage: string): string {
  return join(globalStorage, 'native');
}

export function nativeModulesDir(globalStorage: string): string {
  return join(nativeDir(globalStorage), 'node_modules');
}

export function isInstalled(globalStorage: string, variant: NativeVariant): boolean {
  return existsSync(join(nativeModulesDir(globalStorage), '@tensorflow', variant, 'package.json'));
}

export interface ProcessResult {
  /** null when the process could not start (then `spawnError` says why). */
  code: number | null;
  output: string;
  spawnError?: string;
}

/** Runs a command, streaming its output lines; never rejects. */
export type ProcessRunner = (command: string, args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void) => Promise<ProcessResult>;

export const runProcess: ProcessRunner = (command, args, env, onLine) =>
  new Promise((resolve) => {
    let output = '';
    let pending = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      const lines = (pending + text).split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    };
    let child;
    try {
      child = spawn(command, args, { env, shell: process.platform === 'win32', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ code: null, output, spawnError: (error as Error).message });
      return;
    }
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => resolve({ code: null, output, spawnError: error.message }));
    child.on('close', (code) => {
      if (pending.trim()) onLine(pending);
      resolve({ code: code ?? 1, output });
    });
  });

export interface InstallRequest {
  variant: NativeVariant;
  globalStorage: string;
  /** npm to run ("npm" from PATH by default). */
  npm: string;
  /** Node used to check that the backend loads (the workers' Node). */
  node: string;
  run: ProcessRunner;
  onLine(line: string): void;
}

export type InstallResult = { ok: true; modulesDir: string } | { ok: false; reason: string };

export async function installNativeBackend(request: InstallRequest): Promise<InstallResult> {
  const dir = nativeDir(request.globalStorage);
  await mkdir(dir, { recursive: true });
  // A package.json of its own keeps npm from walking up to an unrelated project.
  if (!existsSync(join(dir, 'package.json'))) await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'robustness-lens-native', private: true }, null, 2)}\n`);
  const pkg = `@tensorflow/${request.variant}@${tfjsVersion}`;
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  const installed = await request.run(request.npm, ['install', '--prefix', dir, '--no-audit', '--no-fund', pkg], env, request.onLine);
  if (installed.code !== 0) return { ok: false, reason: explainInstallFailure(request.variant, request.npm, installed) };

  const modulesDir = nativeModulesDir(request.globalStorage);
  const entry = join(modulesDir, '@tensorflow', request.variant);
  const check = `require(${JSON.stringify(entry)}); console.log('loaded')`;
  const loaded = await request.run(request.node, ['-e', check], { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, request.onLine);
  if (loaded.code !== 0) return { ok: false, reason: explainLoadFailure(request.variant, loaded) };
  return { ok: true, modulesDir };
}

const offlinePattern = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b|network|offline|getaddrinfo/i;

export function explainInstallFailure(variant: NativeVariant, npm: string, result: ProcessResult): string {
  if (result.code === null) return `npm could not be started (${npm}: ${result.spawnError ?? 'not found'}); install Node.js with npm, or put npm on the PATH`;
  const output = result.output;
  if (/storage\.googleapis\.com|Downloading libtensorflow|libtensorflow/i.test(output) && offlinePattern.test(output)) {
    return `npm fetched @tensorflow/${variant}, but its install script could not download libtensorflow from storage.googleapis.com (no connection to it)`;
  }
  if (offlinePattern.test(output)) return 'npm could not reach the package registry: this machine looks offline (or a proxy blocks it)';
  return `npm install of @tensorflow/${variant}@${tfjsVersion} failed (exit code ${result.code}): ${lastErrorLine(output)}`;
}

export function explainLoadFailure(variant: NativeVariant, result: ProcessResult): string {
  const last = lastErrorLine(result.output);
  if (variant === 'tfjs-node-gpu' && /libcu|cudnn|cuda/i.test(result.output)) return `tfjs-node-gpu installed but does not load: ${last}. It needs ${gpuRequirements}`;
  return `@tensorflow/${variant} installed but does not load on this machine: ${last}`;
}

function lastErrorLine(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.replace(/^npm (error|ERR!)\s*/, '').trim()).filter(Boolean);
  const errorLine = [...lines].reverse().find((l) => /error|cannot|failed|not found/i.test(l) && !/complete log/i.test(l));
  return errorLine ?? lines[lines.length - 1] ?? 'no output';
}
