/**
 * A content hash of a model, so a resumed run can tell that the model is still the one that
 * produced the finished images, whatever its path or modification time.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { fingerprintBase, modelFormatAt } from '../worker/model/model-formats';

/** sha256 over the files that make up the model, as its format lists them (src/worker/model/model-formats.ts). */
export async function fingerprintModel(modelPath: string): Promise<string> {
  if (!(await stat(modelPath).catch(() => null))) throw new Error(`model not found: ${modelPath}`);
  const format = await modelFormatAt(modelPath);
  const hash = createHash('sha256');
  const base = fingerprintBase(modelPath, format);
  for (const file of await format.fingerprintFiles(modelPath)) await addFile(hash, base, file);
  return `sha256:${hash.digest('hex')}`;
}

async function addFile(hash: Hash, base: string, path: string): Promise<void> {
  hash.update(relative(base, path).split('\\').join('/'));
  hash.update('\0');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  hash.update('\0');
}
