/**
 * Installs ONNX Runtime's CUDA execution provider: onnxruntime-node's own install script, run with
 * `--onnxruntime-node-install=cuda12`, fetches the provider libraries (too large for the npm
 * registry) into the package's bin folder, where ONNX Runtime finds them. Needs the internet, an
 * NVIDIA driver and CUDA 12 with cuDNN 9; offline it says so and the CPU keeps working.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { explainInstallFailure, type ProcessRunner } from './native-backend';

export const cudaRequirements = 'Linux or Windows x64, an NVIDIA driver, CUDA 12 and cuDNN 9';

export interface GpuInstallRequest {
  /** onnxruntime-node's package.json (the one the workers load). */
  packageJson: string;
  /** Node to run its install script with (the workers' Node). */
  node: string;
  run: ProcessRunner;
  onLine(line: string): void;
}

export type GpuInstallResult = { ok: true } | { ok: false; reason: string };

export async function installGpuSupport(request: GpuInstallRequest): Promise<GpuInstallResult> {
  const packageDir = dirname(request.packageJson);
  const script = join(packageDir, 'script', 'install.js');
  if (!existsSync(script)) return { ok: false, reason: `onnxruntime-node's install script is missing (${script})` };
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1', npm_config_local_prefix: packageDir, npm_package_json: request.packageJson };
  const result = await request.run(request.node, [script, '--onnxruntime-node-install=cuda12'], env, request.onLine);
  if (result.code !== 0) {
    const reason = explainInstallFailure('tfjs-node-gpu', request.node, result).replace(/@tensorflow\/tfjs-node-gpu(@[\d.]+)?/g, "onnxruntime-node's CUDA provider");
    return { ok: false, reason };
  }
  const check = `const o = require(${JSON.stringify(packageDir)}); o.InferenceSession.create(new Uint8Array(0), { executionProviders: ['cuda'] }).catch((e) => { if (/cuda/i.test(String(e.message)) && !/protobuf|model/i.test(String(e.message))) { console.error(e.message); process.exit(1); } });`;
  const loaded = await request.run(request.node, ['-e', check], { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, request.onLine);
  if (loaded.code !== 0) return { ok: false, reason: `the CUDA provider installed but does not load: it needs ${cudaRequirements}` };
  return { ok: true };
}
