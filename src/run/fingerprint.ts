/**
 * A content hash of a model, so a resumed run can tell that the model is still the one that
 * produced the finished images, whatever its path or modification time.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** sha256 over model.json and the weight files it lists, or over every file of a model folder (SavedModel). */
export async function fingerprintModel(modelPath: string): Promise<string> {
  const modelStat = await stat(modelPath).catch(() => null);
  if (!modelStat) throw new Error(`model not found: ${modelPath}`);
  const hash = createHash('sha256');
  const base = modelStat.isDirectory() ? modelPath : dirname(modelPath);
  const files = modelStat.isDirectory() ? await filesUnder(modelPath) : [modelPath, ...(await weightFiles(modelPath))];
  for (const file of files) await addFile(hash, base, file);
  return `sha256:${hash.digest('hex')}`;
}

/** The weight shards a TF.js model.json names; missing ones are left for the loader to report. */
async function weightFiles(modelJson: string): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(modelJson, 'utf8'));
  } catch {
    return [];
  }
  const manifest = (parsed as { weightsManifest?: { paths?: unknown }[] } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  const paths = manifest
    .flatMap((group) => (Array.isArray(group?.paths) ? group.paths : []))
    .filter((path): path is string => typeof path === 'string')
    .map((path) => join(dirname(modelJson), safeDecode(path)));
  const present = await Promise.all(paths.map((path) => stat(path).then((s) => s.isFile(), () => false)));
  return paths.filter((_, i) => present[i]);
}

async function addFile(hash: Hash, base: string, path: string): Promise<void> {
  hash.update(relative(base, path).split('\\').join('/'));
  hash.update('\0');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  hash.update('\0');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** model.json paths are URL-encoded by the TF.js converter (e.g. spaces as %20). */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
