/**
 * Picks and starts the TF.js backend a worker computes on: `auto` tries tensorflow-gpu →
 * tensorflow → wasm → cpu and takes the first that loads; any other choice loads exactly that one
 * or fails with a one-line reason.
 *
 * The native backends are optional packages, required at run time (never bundled) from
 * node_modules or from the folder in ROBUSTNESS_LENS_NATIVE_MODULES, where the extension installs
 * them. They bring their own tfjs-core, so a native runtime is driven through the namespace the
 * package exports; wasm and cpu use the bundled one.
 */
import * as tfCore from '@tensorflow/tfjs-core';
import * as tfLayers from '@tensorflow/tfjs-layers';
import * as tfConverter from '@tensorflow/tfjs-converter';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BackendChoice, TfBackendName as BackendName } from '../protocol/report';
import { registerWasmGradientKernels } from './kernels/index';
import type { Tf, TfRuntime } from './tf';

export const nativeModulesEnv = 'ROBUSTNESS_LENS_NATIVE_MODULES';
export const autoOrder: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const nativePackages = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;
type NativeBackend = keyof typeof nativePackages;

const wasmBinary = 'tfjs-backend-wasm.wasm';

export interface BackendOptions {
  /**
   * Another folder to find the native packages in (a node_modules folder, or a folder holding
   * one); default: env ROBUSTNESS_LENS_NATIVE_MODULES.
   */
  nativeModulesDir?: string;
  /** Folder holding the .wasm binaries; default: beside this bundle, else the installed package. */
  wasmDir?: string;
}

export interface LoadedBackend extends TfRuntime {
  /** Backends `auto` passed over although they are installed, and why (they failed to load). */
  notes: string[];
}

/** The backend's package is absent: `auto` moves on silently. */
class BackendNotInstalled extends Error {}

const bundledTf: Tf = { ...tfCore, ...tfLayers, ...tfConverter };
const here = typeof __dirname === 'string' ? __dirname : process.cwd();
const nodeRequire = createRequire(join(here, 'worker.js'));

export async function loadBackend(choice: BackendChoice, options: BackendOptions = {}): Promise<LoadedBackend> {
  if (choice === 'cuda' || choice === 'webgpu') choice = 'auto';
  if (choice !== 'auto') {
    if (!autoOrder.includes(choice)) {
      throw new Error(`unknown backend "${String(choice)}" (one of auto, ${autoOrder.join(', ')})`);
    }
    return { ...(await loadExactly(choice, options)), notes: [] };
  }
  const notes: string[] = [];
  for (const name of autoOrder) {
    try {
      return { ...(await loadExactly(name, options)), notes };
    } catch (error) {
      if (!(error instanceof BackendNotInstalled)) notes.push(messageOf(error));
    }
  }
  throw new Error(`no backend could be loaded: ${notes.join('; ')}`);
}

async function loadExactly(name: BackendName, options: BackendOptions): Promise<TfRuntime> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return loadNative(name, options.nativeModulesDir ?? process.env[nativeModulesEnv]);
    case 'wasm':
      return loadWasm(options.wasmDir ?? wasmBinaryDirectory());
    case 'cpu':
      return startBundled('cpu');
  }
}

async function loadNative(name: NativeBackend, extraDir: string | undefined): Promise<TfRuntime> {
  const pkg = nativePackages[name];
  const entry = resolveOptionalPackage(pkg, extraDir);
  if (!entry) {
    throw new BackendNotInstalled(
      `backend ${name} is not installed: run 'Robustness Lens: Install native TensorFlow backend' or npm i ${pkg}`,
    );
  }
  let tf: Tf;
  try {
    tf = nodeRequire(entry) as Tf;
  } catch (error) {
    throw new Error(`backend ${name} failed to load (${pkg}): ${messageOf(error)}`);
  }
  tf.env().set('PROD', true);
  // Both native packages register their backend under the name 'tensorflow'.
  if (!(await tf.setBackend('tensorflow')) || tf.getBackend() !== 'tensorflow') {
    throw new Error(`backend ${name} failed to start (${pkg} loaded, its 'tensorflow' backend did not initialise)`);
  }
  return { tf, backend: name };
}

/** An optional package required at run time (never bundled), or null when it is not installed. */
export function requireOptionalPackage<T>(pkg: string, extraDir: string | undefined = process.env[nativeModulesEnv]): T | null {
  const entry = resolveOptionalPackage(pkg, extraDir);
  return entry === null ? null : (nodeRequire(entry) as T);
}

/** Where `pkg` resolves from `extraDir` (its node_modules) or from this bundle; null when absent. */
export function resolveOptionalPackage(pkg: string, extraDir: string | undefined): string | null {
  const attempts: Array<() => string> = [];
  if (extraDir) attempts.push(() => nodeRequire.resolve(pkg, { paths: [extraDir] }));
  attempts.push(() => nodeRequire.resolve(pkg));
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return null;
}

let wasmPathsSet = false;

async function loadWasm(wasmDir: string): Promise<TfRuntime> {
  if (!existsSync(join(wasmDir, wasmBinary))) {
    throw new Error(`backend wasm failed to load: ${wasmBinary} is not in ${wasmDir}`);
  }
  // TF.js runs its single-threaded wasm build in Node (its thread detection answers no there):
  // cores are used through several worker processes.
  if (!wasmPathsSet) {
    setWasmPaths(wasmDir.endsWith('/') ? wasmDir : `${wasmDir}/`);
    wasmPathsSet = true;
  }
  registerWasmGradientKernels();
  return startBundled('wasm');
}

async function startBundled(name: 'wasm' | 'cpu'): Promise<TfRuntime> {
  // Importing the cpu backend registers it; this also keeps the bundler from dropping that import
  // (the package declares itself free of side effects).
  if (!tfCore.findBackendFactory('cpu')) tfCore.registerBackend('cpu', () => new MathBackendCPU(), 1);
  // PROD silences TF.js's console advice (e.g. "install tfjs-node"), which would land in the host's log.
  tfCore.env().set('PROD', true);
  if (!(await tfCore.setBackend(name)) || tfCore.getBackend() !== name) {
    throw new Error(`backend ${name} failed to initialise`);
  }
  return { tf: bundledTf, backend: name };
}

/** The wasm binaries: copied beside the bundle by the build, else in the installed package (running from source). */
export function wasmBinaryDirectory(): string {
  if (existsSync(join(here, wasmBinary))) return here;
  try {
    return dirname(nodeRequire.resolve(`@tensorflow/tfjs-backend-wasm/dist/${wasmBinary}`));
  } catch {
    throw new Error(`backend wasm failed to load: ${wasmBinary} is neither in ${here} nor in node_modules`);
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}
